// Stand-ins for the browser's outside world: a recording Pusher client, a tab channel built on
// Node's own BroadcastChannel, and a desktop Notification recorder.

class FakeEmitter {
  constructor() {
    this.handlers = {};
  }

  bind(event, handler) {
    (this.handlers[event] ||= []).push(handler);
    return this;
  }

  emit(event, data) {
    (this.handlers[event] || []).forEach((handler) => handler(data));
  }
}

/** Records the options and subscriptions pusher-js would receive. */
export class FakePusher {
  static instances = [];

  constructor(key, options) {
    this.key = key;
    this.options = options;
    this.channels = {};
    this.connection = new FakeEmitter();
    FakePusher.instances.push(this);
  }

  subscribe(name) {
    this.channels[name] ||= new FakeEmitter();
    return this.channels[name];
  }

  signin() {
    this.signedIn = true;
  }
}

/** Presence members as pusher-js hands them to `pusher:subscription_succeeded`. */
export function members(ids) {
  return { each: (callback) => ids.forEach((id) => callback({ id, info: {} })) };
}

const openChannels = [];

/** Node's BroadcastChannel, which does not keep the test process alive. */
export class TabChannel extends BroadcastChannel {
  constructor(name) {
    super(name);
    this.unref();
    openChannels.push(this);
  }
}

export function closeTabChannels() {
  openChannels.splice(0).forEach((channel) => channel.close());
}

/** A desktop Notification class with the given permission, recording what it shows. */
export function desktopNotifications(permission) {
  const shown = [];
  class RecordingNotification {
    constructor(title, options) {
      this.title = title;
      this.options = options;
      shown.push(this);
    }
  }
  RecordingNotification.permission = permission;
  return { RecordingNotification, shown };
}

/** Makes `$.ajax` answer `/notifications/unread_count` with `answer`, recording calls. */
export function answerUnreadCount(window, answer) {
  const requests = [];
  window.jQuery.ajax = (options) => {
    requests.push(options.url);
    const deferred = window.jQuery.Deferred();
    deferred.resolve(typeof answer === 'function' ? answer() : answer);
    return deferred.promise();
  };
  return requests;
}

export function nextTurn(ms = 20) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits (generously) until `check` holds. */
export async function eventually(check, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await nextTurn();
  }
}
