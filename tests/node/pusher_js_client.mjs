// Drives the real pusher-js client against a Caretaker push server.
// Environment: WS_PORT, APP_KEY, AUTH_URL (answers channel authorization).
// Prints one JSON object per line: {"ready": socketId} once subscribed to
// "news" and "private-42", then {"event", "channel", "data"} per event, and
// exits after EXPECTED_EVENTS events.
import Pusher from "pusher-js";

const expected = Number(process.env.EXPECTED_EVENTS ?? "2");
const print = (value) => process.stdout.write(JSON.stringify(value) + "\n");

async function authorize(params, callback) {
  try {
    const response = await fetch(process.env.AUTH_URL, {
      method: "POST",
      body: new URLSearchParams({
        socket_id: params.socketId,
        channel_name: params.channelName,
      }),
    });
    if (!response.ok) throw new Error(`auth endpoint answered ${response.status}`);
    callback(null, await response.json());
  } catch (error) {
    callback(error, null);
  }
}

const pusher = new Pusher(process.env.APP_KEY, {
  cluster: "local",
  wsHost: "127.0.0.1",
  wsPort: Number(process.env.WS_PORT),
  forceTLS: false,
  enabledTransports: ["ws"],
  channelAuthorization: { customHandler: authorize },
});

let subscribed = 0;
let received = 0;
const done = () => {
  pusher.disconnect();
  process.exit(0);
};

for (const name of ["news", "private-42"]) {
  const channel = pusher.subscribe(name);
  channel.bind("pusher:subscription_succeeded", () => {
    subscribed += 1;
    if (subscribed === 2) print({ ready: pusher.connection.socket_id });
  });
  channel.bind("pusher:subscription_error", (error) => {
    print({ subscription_error: name, error });
    process.exit(2);
  });
  channel.bind_global((event, data) => {
    if (event.startsWith("pusher:")) return;
    print({ event, channel: name, data });
    received += 1;
    if (received === expected) done();
  });
}

setTimeout(() => {
  print({ timeout: true });
  process.exit(3);
}, 20000);
