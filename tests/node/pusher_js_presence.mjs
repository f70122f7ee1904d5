// Two pusher-js clients, "alice" and "bob", meet on a presence channel of a
// Caretaker push server and exchange a client event.
// Environment: WS_PORT, APP_KEY, AUTH_URL (signs presence channel_data for
// the user_id form field). Prints one JSON line per observation and exits 0
// once bob has left and alice has seen him go.
import Pusher from "pusher-js";

const print = (value) => process.stdout.write(JSON.stringify(value) + "\n");

function client(userId) {
  const authorize = async (params, callback) => {
    try {
      const response = await fetch(process.env.AUTH_URL, {
        method: "POST",
        body: new URLSearchParams({
          socket_id: params.socketId,
          channel_name: params.channelName,
          user_id: userId,
        }),
      });
      if (!response.ok) throw new Error(`auth endpoint answered ${response.status}`);
      callback(null, await response.json());
    } catch (error) {
      callback(error, null);
    }
  };
  return new Pusher(process.env.APP_KEY, {
    cluster: "local",
    wsHost: "127.0.0.1",
    wsPort: Number(process.env.WS_PORT),
    forceTLS: false,
    enabledTransports: ["ws"],
    channelAuthorization: { customHandler: authorize },
  });
}

const alice = client("alice");
const aliceChannel = alice.subscribe("presence-site");

aliceChannel.bind("pusher:subscription_succeeded", (members) => {
  print({ alice_joined: members.count, me: members.me.id });
  const bob = client("bob");
  const bobChannel = bob.subscribe("presence-site");
  bobChannel.bind("pusher:subscription_succeeded", (members) => {
    print({ bob_joined: members.count });
  });
  bobChannel.bind("client-wave", (data, metadata) => {
    print({ bob_got: data, from: metadata.user_id });
    bob.disconnect();
  });
});

aliceChannel.bind("pusher:member_added", (member) => {
  print({ alice_saw_arrival: member.id, info: member.info });
  aliceChannel.trigger("client-wave", { hello: "bob" });
});

aliceChannel.bind("pusher:member_removed", (member) => {
  print({ alice_saw_departure: member.id });
  alice.disconnect();
  process.exit(0);
});

setTimeout(() => {
  print({ timeout: true });
  process.exit(3);
}, 20000);
