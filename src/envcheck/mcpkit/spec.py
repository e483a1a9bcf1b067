"""What a probe of one MCP server is given and what it records: the server as configured
(:class:`ServerSpec`), its connection attempts, and the view of a running probe (:class:`Probing`)
that the steps and the diagnosis read."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from envcheck.core.model import Outcome
    from envcheck.mcpkit._stdio import ChildState
    from envcheck.mcpkit._wire import Wire

STEPS = ("start", "initialize", "tools", "resources", "prompts", "ping", "call")
OTHER = {"http": "sse", "sse": "http"}


@dataclass(frozen=True)
class SmokeCall:
    tool: str
    arguments: dict[str, Any]
    expect: str | None = None


@dataclass(frozen=True)
class Declared:
    """Where a server is declared, so that a fix can be an edit of that file.

    ``path`` is the file (relative to the project root when it is inside it), ``format`` its
    syntax, ``key`` the dotted key of the server's entry in it (``tool.envcheck.mcp.servers.time``,
    ``mcpServers.github``, ``servers.github``). ``editable``: a program may change the entry (the
    file is in the project, plain JSON or TOML, and no name in the key holds a dot); otherwise a
    fix says what to change and a person does it.
    """

    path: str
    format: Literal["toml", "json"]
    key: str
    editable: bool = True


@dataclass(frozen=True)
class ServerSpec:
    """A server with every ``${VAR}`` already resolved (values of ``env`` and ``headers`` are
    registered as secrets by whoever resolved them)."""

    name: str
    settings: str  # where it is declared, for hints: "[tool.envcheck.mcp.servers.x]" or a file
    transport: str  # stdio | http | sse | auto (streamable HTTP, then SSE)
    command: str | None = None
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    #: the directory a relative ``cwd`` is taken from (the project root, or the client file's
    #: base), when known
    root: str | None = None
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    #: the parameters of the url's query that carry a credential (their name, or the variable
    #: their value is written as, says it holds a secret: ``?apiKey=${NOTES_API_KEY}``), each
    #: with that variable (``None``: the value is written in the file)
    url_keys: tuple[tuple[str, str | None], ...] = ()
    expect_tools: tuple[str, ...] = ()
    call: SmokeCall | None = None
    timeout: float = 10.0
    origin: str = "pyproject"  # or the label of the client config file that declared it
    #: the values that hold a ``${VAR}`` whose variable is set but empty, resolved to nothing:
    #: (the key, ``env.NAME``, ``headers.NAME``, ``args``..., and the variable)
    empty_refs: tuple[tuple[str, str], ...] = ()
    #: the file and entry that declare it (``None``: a plugin's own settings; fixes are prose)
    declared: Declared | None = None

    @property
    def where(self) -> str:
        """How a person would start or reach it."""
        if self.transport == "stdio":
            return shlex.join([self.command or "", *self.args])
        return str(self.url)

    @property
    def look(self) -> str:
        """How a person sees for themselves what the server does."""
        if self.transport == "stdio":
            if self.cwd:
                return f"run `cd {shlex.quote(self.cwd)} && {self.where}` by hand"
            return f"run `{self.where}` by hand"
        return f"read the server's log (or: curl -i {self.url})"


@dataclass
class Attempt:
    """One connection attempt and what came back over HTTP."""

    transport: str
    statuses: list[int] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)  # of the 2xx answers
    #: the ``Content-Encoding`` of a 2xx answer to a request's POST, by the request's method
    encodings: dict[str, str] = field(default_factory=dict)
    cause: BaseException | None = None
    elapsed: float = 0.0
    #: ``WWW-Authenticate`` of the 401 and 403 answers, one challenge each (RFC 9110 §11.6.1: a
    #: value may list several, comma-separated)
    challenges: list[str] = field(default_factory=list)
    #: those values as the server wrote them (a challenge's place in its value)
    challenge_values: list[str] = field(default_factory=list)
    #: the media type of the first 401 and the first 403 answer, by status
    refused_media: dict[int, str] = field(default_factory=dict)
    #: the status each well-known protected-resource metadata URL answered, read when a client
    #: may ignore the URL the challenge names (it is relative, or no value begins with Bearer)
    well_known_metadata: dict[str, int] = field(default_factory=dict)
    #: ``Location`` of the redirects (3xx)
    locations: list[str] = field(default_factory=list)
    #: whether a POST carrying a session id (``Mcp-Session-Id``) was answered 404
    session_lost: bool = False
    #: after such a 404, a new session (a new ``initialize``) served a request: the server ends
    #: its sessions, and how many requests the lost one had served before
    session_renewed: bool = False
    session_served: int = 0
    #: ``Retry-After`` of a 429 or 503
    retry_after: str | None = None
    #: the URL of an answer larger than envcheck reads (``core.limits.MAX_MCP_HTTP_ANSWER``)
    too_large: str | None = None
    #: 2xx JSON bodies that are not JSON-RPC messages (shortened)
    not_jsonrpc: list[str] = field(default_factory=list)
    #: the protected-resource metadata (RFC 9728) a 401 pointed to: its URL and what it says
    metadata_url: str | None = None
    metadata: dict[str, Any] | None = None
    #: the HTTP status each metadata URL tried answered with, when it was not 200
    metadata_refused: dict[str, int] = field(default_factory=dict)
    #: the media type each metadata URL tried answered 200 with, when its body was no JSON object
    metadata_not_json: dict[str, str] = field(default_factory=dict)
    #: the metadata of the first authorization server the resource's metadata names (RFC 8414,
    #: or OpenID Connect Discovery): its URL and what it says
    issuer_metadata_url: str | None = None
    issuer_metadata: dict[str, Any] | None = None
    #: the HTTP status each of the authorization server's metadata URLs answered, when not 200
    issuer_refused: dict[str, int] = field(default_factory=dict)
    #: the Content-Type of a 2xx answer that is a JSON-RPC message, when it is neither
    #: application/json nor text/event-stream
    mislabeled: str | None = None
    #: the method of the first JSON-RPC request whose 2xx ``application/json`` answer was an SSE
    #: stream of JSON-RPC messages instead (``event: message``, ``data: {...}``)
    events_as_json: str | None = None
    #: by a request's method: what its 2xx ``application/json`` answer held when that was
    #: several JSON-RPC messages one after another (each message's method, or "the response")
    messages_in_json: dict[str, list[str]] = field(default_factory=dict)
    #: by a request's method: the ``jsonrpc`` member of its 2xx answer (``application/json`` or
    #: an event of the SSE stream) that is otherwise a JSON-RPC response, when it is not "2.0"
    #: (``missing``, or its value shown)
    jsonrpc_versions: dict[str, str] = field(default_factory=dict)
    #: by a request's method: the ``id`` of its 2xx answer (``application/json`` or an event of
    #: the SSE stream) that is otherwise a JSON-RPC response, when that id is neither a string
    #: nor an integer (``1.0``), shown
    odd_ids: dict[str, str] = field(default_factory=dict)
    #: the requests the server sent with ``"id": null`` inside the SSE stream answering a POST,
    #: each with the id of the request that POST carried (as ``ChildState.null_requests``)
    null_requests: list[tuple[str, tuple[str | int, ...]]] = field(default_factory=list)
    #: whether an answer carried an ``Mcp-Session-Id``
    session_given: bool = False
    #: an ``Mcp-Session-Id`` an answer carried with bytes outside visible ASCII (0x21 to 0x7E,
    #: which the transport requires), as Python shows its bytes
    #: an Mcp-Session-Id that holds spaces or tabs (outside 0x21 to 0x7E, which the transport
    #: requires, but bytes an HTTP client still sends back): its bytes, shown
    session_spaced: str | None = None
    session_not_visible: str | None = None
    #: whether a POST without ``Mcp-Session-Id`` was answered 400 after a 2xx answer (a server
    #: that requires the session it never gave)
    sessionless_400: bool = False
    #: the ``MCP-Protocol-Version`` a POST carried when it was answered 400 and the same request
    #: without that header was answered 2xx, and the request's method
    version_refused: tuple[str, str] | None = None
    #: the method of a JSON-RPC request whose POST was answered 202 Accepted (no answer follows)
    accepted_request: str | None = None
    #: the ``data`` of the SSE ``endpoint`` event, when the handshake over SSE got no answer
    endpoint: str | None = None
    #: the method of each JSON-RPC request whose POST was answered 2xx ``application/json`` with
    #: an empty body (no answer in it), and that status
    empty_answers: dict[str, int] = field(default_factory=dict)
    #: the JSON-RPC errors answering POSTs whose ``code`` is not an integer: the request's
    #: method -> the error's code and message (:func:`envcheck.mcpkit._stdio.invalid_error_code`)
    invalid_errors: dict[str, str] = field(default_factory=dict)
    #: the JSON-RPC responses answering POSTs that carry both ``result`` and ``error``: the
    #: request's method -> what they held (:func:`envcheck.mcpkit._stdio.both_members`)
    both_members: dict[str, str] = field(default_factory=dict)
    #: the methods of the JSON-RPC requests whose POST was answered with an SSE stream
    streamed: list[str] = field(default_factory=list)
    #: whether an SSE stream's events carried an ``id`` (a stream a client may resume)
    event_ids: bool = False
    #: each GET that resumed a stream (it carried ``Last-Event-ID``): that id and the status
    #: it was answered with
    resumptions: list[tuple[str, int]] = field(default_factory=list)
    #: the SSE event types (``event:`` fields) of streams answering POSTs that are not
    #: ``message``, the type (and default) a client takes a JSON-RPC message from
    other_events: list[str] = field(default_factory=list)
    #: the method of each JSON-RPC request whose POST was answered with an HTTP error status
    #: (4xx, 5xx): that status, the answer's media type and the start of its body, shown
    refused_requests: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    #: the method of each JSON-RPC request a 2xx ``application/json`` answer carried a
    #: well-formed JSON-RPC error for: the error's code (the server's own, not the SDK's)
    rpc_errors: dict[str, int] = field(default_factory=dict)
    #: the method of each JSON-RPC request answered by a response (its id) whose ``result`` is
    #: not an object, or that has neither ``result`` nor ``error``: what it holds instead
    bad_results: dict[str, str] = field(default_factory=dict)
    #: the method of each JSON-RPC notification whose POST was answered with an HTTP error
    #: status (it was not accepted), and that status
    refused_notices: dict[str, int] = field(default_factory=dict)
    #: the start of each such answer's body, shown as ``refused_requests`` shows it
    refused_notice_words: dict[str, str] = field(default_factory=dict)
    #: the methods (requests and notifications) whose HTTP error answer carried a JSON-RPC
    #: error: the server at the URL speaks JSON-RPC and refused in its own words
    refused_rpc: set[str] = field(default_factory=set)
    #: the method of each JSON-RPC request whose POST was answered with a redirect (3xx with a
    #: ``Location``): its status and the URL it names
    redirected_requests: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: how many POSTs of notifications got an answer
    notices_answered: int = 0
    #: the answer to the GET that opens the server's SSE stream (streamable HTTP, after the
    #: handshake): its status and media type, once it came
    stream_answer: tuple[int, str] | None = None


class Probing(Protocol):
    """What the steps and the diagnosis read of a running :class:`~envcheck.mcpkit.probe.Probe`."""

    spec: ServerSpec
    child: ChildState
    wire: Wire
    attempts: list[Attempt]
    other_transport: str | None
    program: str | None
    era: str | None
    tools: list[Any]

    def started(self) -> Outcome:
        """The outcome of the ``start`` step."""
