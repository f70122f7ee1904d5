// Drives the official `pusher` server library against a Caretaker push
// server's HTTP API. Environment: API_PORT, APP_ID, APP_KEY, APP_SECRET.
// Prints one JSON object: the answers of each call.
import Pusher from "pusher";

const pusher = new Pusher({
  appId: process.env.APP_ID,
  key: process.env.APP_KEY,
  secret: process.env.APP_SECRET,
  host: "127.0.0.1",
  port: process.env.API_PORT,
  useTLS: false,
});

const json = async (response) => ({ status: response.status, body: await response.json() });

try {
  const trigger = await pusher.trigger("news", "from-node", { hello: "world" });
  const batch = await pusher.triggerBatch([
    { channel: "news", name: "batch-1", data: { n: 1 } },
    { channel: "news", name: "batch-2", data: { n: 2 } },
  ]);
  const channel = await pusher.get({
    path: "/channels/presence-site",
    params: { info: "user_count,subscription_count" },
  });
  const channels = await pusher.get({ path: "/channels", params: {} });
  const users = await pusher.get({ path: "/channels/presence-site/users" });

  process.stdout.write(
    JSON.stringify({
      trigger: await json(trigger),
      batch: await json(batch),
      channel: await json(channel),
      channels: await json(channels),
      users: await json(users),
    }) + "\n",
  );
} catch (error) {
  process.stdout.write(JSON.stringify({ error: String(error), status: error.status, body: error.body }) + "\n");
  process.exit(1);
}
