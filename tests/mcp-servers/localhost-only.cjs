// Preloaded with `node --require` by the tests: a server that would listen on every interface
// (server-everything's HTTP transports call app.listen(PORT)) listens on 127.0.0.1 only.
const net = require("net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" || typeof args[0] === "string") {
    const rest = args.slice(1);
    if (rest.length === 0 || typeof rest[0] === "function") {
      return listen.call(this, args[0], "127.0.0.1", ...rest);
    }
  }
  if (args[0] && typeof args[0] === "object" && !args[0].host && !args[0].path) {
    args[0] = { ...args[0], host: "127.0.0.1" };
  }
  return listen.apply(this, args);
};
