// A logged-in user's pusher-js client against a running Caretaker app: it
// is authorized through the app's own /pusher_auth and /pusher_user_auth
// with the user's session cookie, as a browser page would be.
// Environment: APP_PORT, APP_KEY, COOKIE, CSRF_TOKEN, USER_ID, FORBIDDEN_CHANNEL, and
// WS_PORT when sockets are served on a port of their own.
// Prints one JSON object per line: {"ready": socketId} once subscribed and
// signed in, {"refused": channel} when the forbidden channel fails,
// {"denied": channel, "status": n} when an auth endpoint refuses,
// {"event", "data"} per notification, {"error": code} for protocol errors and
// {"state": s} for connection state changes. Exits on SIGTERM or after 30 s.
import Pusher from "pusher-js";

const base = `http://127.0.0.1:${process.env.APP_PORT}`;
const print = (value) => process.stdout.write(JSON.stringify(value) + "\n");

function endpoint(path) {
  return async (params, callback) => {
    const form = { socket_id: params.socketId };
    if (params.channelName) form.channel_name = params.channelName;
    const response = await fetch(base + path, {
      method: "POST",
      headers: { cookie: process.env.COOKIE, "x-csrf-token": process.env.CSRF_TOKEN },
      body: new URLSearchParams(form),
    });
    if (!response.ok) {
      print({ denied: params.channelName ?? "signin", status: response.status });
      callback(new Error(`${path} answered ${response.status}`), null);
      return;
    }
    callback(null, await response.json());
  };
}

const pusher = new Pusher(process.env.APP_KEY, {
  cluster: "caretaker",
  wsHost: "127.0.0.1",
  wsPort: Number(process.env.WS_PORT || process.env.APP_PORT),
  forceTLS: false,
  enabledTransports: ["ws"],
  channelAuthorization: { customHandler: endpoint("/pusher_auth") },
  userAuthentication: { customHandler: endpoint("/pusher_user_auth") },
});

let subscribed = false;
let signedIn = false;
const readyIfDone = () => {
  if (subscribed && signedIn) print({ ready: pusher.connection.socket_id });
};

pusher.connection.bind("state_change", ({ current }) => print({ state: current }));
pusher.connection.bind("error", (error) => print({ error: error?.data?.code ?? null }));
pusher.signin();
pusher.user.signinDonePromise.then(() => {
  // The promise also settles when signing in failed; only success sets user_data.
  if (!pusher.user.user_data) return print({ signin_failed: true });
  signedIn = true;
  readyIfDone();
});

const own = pusher.subscribe(`private-${process.env.USER_ID}`);
own.bind("pusher:subscription_succeeded", () => {
  subscribed = true;
  readyIfDone();
});
own.bind("notification", (data) => print({ event: "notification", data }));

const forbidden = pusher.subscribe(process.env.FORBIDDEN_CHANNEL);
forbidden.bind("pusher:subscription_error", () =>
  print({ refused: process.env.FORBIDDEN_CHANNEL }),
);
forbidden.bind("pusher:subscription_succeeded", () =>
  print({ wrongly_joined: process.env.FORBIDDEN_CHANNEL }),
);

process.on("SIGTERM", () => process.exit(0));
setTimeout(() => process.exit(3), 30000);
