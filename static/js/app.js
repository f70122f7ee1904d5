/*
 * Caretaker's page script: the live notification badge, toasts, desktop notifications and
 * staff presence. Needs jQuery, static/js/badger.js and pusher-js loaded before it.
 *
 * What the page provides (templates/base.html):
 *   <meta name="csrf-token" content="...">
 *   <body data-user-id="7" data-user-role="staff|manager|admin" data-pusher-key="..."
 *         data-pusher-host="..." data-pusher-port="..." data-pusher-tls="true|false"
 *         data-unread="3" data-seq="41">
 *   <a id="nav_main" href="/notifications">...badge markup from badger.js when unread > 0</a>
 *   [data-presence-user="<user id>"]      elements marked .is-online while that user is online;
 *                                          an <option> also gets " (online)" after its text
 *   [data-enable-desktop-notifications]   optional button asking for desktop notifications;
 *                                          hidden once the browser has an answer
 * Without data-user-id (signed-out pages) the script does nothing.
 *
 * Event `notification` on `private-{user id}`:
 *   {"message": "+1" | "<N>", "unread": N?, "seq": S?, "task": {"id": .., "title": ..}?}
 * `unread` (absolute) wins over `message` (a badger instruction). `seq` orders updates: an
 * update older than the newest one seen is dropped, so every tab settles on the latest count.
 *
 * window.Caretaker exposes the pieces below for tests; Caretaker.start() runs on DOM ready.
 */
(function (root, factory) {
  'use strict';

  var api = factory(root.jQuery, root);
  root.Caretaker = api;
  if (typeof module === 'object' && module.exports) {
    module.exports = api;
  }
})(typeof window !== 'undefined' ? window : this, function ($, window) {
  'use strict';

  var BADGE_SELECTOR = '#nav_main';
  var TAB_CHANNEL = 'caretaker-badge';
  var UNREAD_URL = '/notifications/unread_count';
  var TOAST_MS = 8000;
  var TITLE_PREFIX = /^\(\d+\+?\)\s+/;

  /* ---- page title ---- */

  function titleWithCount(title, unread) {
    var bare = String(title).replace(TITLE_PREFIX, '');
    if (!(unread > 0)) {
      return bare;
    }
    return '(' + (unread > 99 ? '99+' : unread) + ') ' + bare;
  }

  /* ---- ordering of badge updates ---- */

  function toNumberOrNull(value) {
    if (value === undefined || value === null || value === '') {
      return null;
    }
    var number = Number(value);
    return isFinite(number) ? number : null;
  }

  /*
   * The newest known {unread, seq}. An absolute update (a known unread count) applies unless
   * its seq is older than the newest seen; a relative one ("+1") needs a strictly newer seq,
   * because a count fetched with the same seq already includes it. Updates without a seq
   * cannot be ordered and always apply.
   */
  function BadgeState(unread, seq) {
    this.unread = toNumberOrNull(unread) || 0;
    this.seq = toNumberOrNull(seq);
    this.relativeChanges = 0;
  }

  BadgeState.prototype.isStale = function (seq, strictlyNewer) {
    if (seq === null || this.seq === null) {
      return false;
    }
    return strictlyNewer ? seq <= this.seq : seq < this.seq;
  };

  BadgeState.prototype.noteSeq = function (seq) {
    if (seq !== null && (this.seq === null || seq > this.seq)) {
      this.seq = seq;
    }
  };

  /* Applies {unread, seq}; returns true when it changed the state. */
  BadgeState.prototype.acceptAbsolute = function (update) {
    var unread = toNumberOrNull(update && update.unread);
    var seq = toNumberOrNull(update && update.seq);
    if (unread === null || this.isStale(seq, false)) {
      return false;
    }

    this.unread = Math.max(0, unread);
    this.noteSeq(seq);
    return true;
  };

  /* Tells whether a relative update with this seq should apply, and records its seq. */
  BadgeState.prototype.acceptRelative = function (seqValue) {
    var seq = toNumberOrNull(seqValue);
    if (this.isStale(seq, true)) {
      return false;
    }

    this.noteSeq(seq);
    this.relativeChanges += 1;
    return true;
  };

  /*
   * Applies a count fetched from the server. If a relative update arrived while the request
   * was on its way, the answer may predate it; only a strictly newer seq proves it does not.
   */
  BadgeState.prototype.acceptFetched = function (answer, relativeChangesAtRequest) {
    var seq = toNumberOrNull(answer && answer.seq);
    var changedMeanwhile = this.relativeChanges !== relativeChangesAtRequest;
    if (changedMeanwhile && (seq === null || this.seq === null || seq <= this.seq)) {
      return false;
    }
    return this.acceptAbsolute(answer);
  };

  BadgeState.prototype.snapshot = function () {
    return { unread: this.unread, seq: this.seq };
  };

  /* ---- rendering ---- */

  function renderCount(unread) {
    $(BADGE_SELECTOR).badger(String(unread));
    window.document.title = titleWithCount(window.document.title, unread);
  }

  /* Applies a `notification` event; returns 'absolute', 'relative' or null (dropped). */
  function applyNotification(state, data) {
    if (!data) {
      return null;
    }

    if (toNumberOrNull(data.unread) !== null) {
      if (!state.acceptAbsolute(data)) {
        return null;
      }
      renderCount(state.unread);
      return 'absolute';
    }

    if (data.message === undefined || !state.acceptRelative(data.seq)) {
      return null;
    }
    $(BADGE_SELECTOR).badger(String(data.message), function (value) {
      state.unread = typeof value === 'number' ? value : state.unread;
    });
    window.document.title = titleWithCount(window.document.title, state.unread);
    return 'relative';
  }

  /* ---- toasts and desktop notifications ---- */

  function taskUrl(id) {
    return '/tasks/' + encodeURIComponent(String(id));
  }

  function toastStack() {
    var $stack = $('.toast-stack');
    if ($stack.length) {
      return $stack;
    }
    return $('<div class="toast-stack" aria-live="polite"></div>').appendTo(window.document.body);
  }

  function hideToast($toast) {
    $toast.addClass('toast-hiding');
    window.setTimeout(function () {
      $toast.remove();
    }, 300);
  }

  function showToast(task, hideAfterMs) {
    var $toast = $('<div class="toast" role="status"></div>');
    var $body = $('<div class="toast-body"></div>').appendTo($toast);
    $('<span class="toast-title"></span>').text('New task assigned to you').appendTo($body);
    $('<a class="toast-link"></a>').attr('href', taskUrl(task.id)).text(String(task.title))
      .appendTo($body);
    $('<button type="button" class="toast-close" aria-label="Dismiss"></button>')
      .text('\u00d7').on('click', function () { hideToast($toast); }).appendTo($toast);

    toastStack().append($toast);
    window.setTimeout(function () { hideToast($toast); }, hideAfterMs || TOAST_MS);
    return $toast;
  }

  /* Shows a desktop notification when already allowed; one per task across tabs (tag). */
  function notifyDesktop(task) {
    var DesktopNotification = window.Notification;
    if (!DesktopNotification || DesktopNotification.permission !== 'granted') {
      return null;
    }

    try {
      var notification = new DesktopNotification('New task assigned to you', {
        body: String(task.title),
        tag: 'caretaker-task-' + task.id
      });
      notification.onclick = function () {
        window.focus();
        window.location.assign(taskUrl(task.id));
      };
      return notification;
    } catch (error) {
      return null;
    }
  }

  function wireDesktopPermissionButton() {
    var DesktopNotification = window.Notification;
    var $button = $('[data-enable-desktop-notifications]');
    if (!DesktopNotification || DesktopNotification.permission !== 'default') {
      $button.prop('hidden', true);
      return;
    }

    $button.on('click', function () {
      Promise.resolve(DesktopNotification.requestPermission()).then(function () {
        $button.prop('hidden', DesktopNotification.permission !== 'default');
      });
    });
  }

  /* ---- presence ---- */

  function presenceElements(userId) {
    var wanted = String(userId);
    return $('[data-presence-user]').filter(function () {
      return this.getAttribute('data-presence-user') === wanted;
    });
  }

  function markOnline(userId) {
    presenceElements(userId).each(function () {
      var $element = $(this);
      if ($element.hasClass('is-online')) {
        return;
      }
      $element.addClass('is-online');
      if (this.tagName === 'OPTION') {
        $element.attr('data-presence-label', $element.text());
        $element.text($element.text() + ' (online)');
      }
    });
  }

  function markOffline(userId) {
    presenceElements(userId).each(function () {
      var $element = $(this);
      if (!$element.hasClass('is-online')) {
        return;
      }
      $element.removeClass('is-online');
      if (this.tagName === 'OPTION' && $element.is('[data-presence-label]')) {
        $element.text($element.attr('data-presence-label'));
        $element.removeAttr('data-presence-label');
      }
    });
  }

  function markOnlyOnline(userIds) {
    $('[data-presence-user].is-online').each(function () {
      markOffline(this.getAttribute('data-presence-user'));
    });
    userIds.forEach(markOnline);
  }

  /* ---- wiring ---- */

  function readPage(document) {
    var body = $(document.body);
    var location = window.location;
    var tls = body.attr('data-pusher-tls') === 'true';
    var port = toNumberOrNull(body.attr('data-pusher-port')) ||
      toNumberOrNull(location.port) || (tls ? 443 : 80);
    return {
      userId: body.attr('data-user-id') || '',
      role: body.attr('data-user-role') || '',
      key: body.attr('data-pusher-key') || '',
      host: body.attr('data-pusher-host') || location.hostname,
      port: port,
      tls: tls,
      unread: body.attr('data-unread'),
      seq: body.attr('data-seq'),
      csrfToken: $('meta[name="csrf-token"]').attr('content') || ''
    };
  }

  function connect(Pusher, page) {
    return new Pusher(page.key, {
      wsHost: page.host,
      wsPort: page.port,
      wssPort: page.port,
      forceTLS: page.tls,
      enabledTransports: ['ws', 'wss'],
      disableStats: true,
      cluster: 'caretaker',
      channelAuthorization: {
        endpoint: '/pusher_auth',
        transport: 'ajax',
        headers: { 'X-CSRF-Token': page.csrfToken }
      },
      userAuthentication: {
        endpoint: '/pusher_user_auth',
        transport: 'ajax',
        headers: { 'X-CSRF-Token': page.csrfToken }
      }
    });
  }

  /* Shares absolute counts with the other tabs of this browser; newest seq wins. */
  function openTabChannel(TabChannel, state) {
    if (!TabChannel) {
      return { post: function () {} };
    }

    var channel = new TabChannel(TAB_CHANNEL);
    channel.onmessage = function (event) {
      if (state.acceptAbsolute(event.data)) {
        renderCount(state.unread);
        return;
      }
      if (state.isStale(toNumberOrNull(event.data && event.data.seq), true)) {
        channel.postMessage(state.snapshot());
      }
    };
    return {
      post: function (snapshot) { channel.postMessage(snapshot); }
    };
  }

  /* Fetches the count; resolves with the server's answer, or null when it could not be had. */
  function refreshFromServer(state, tabs) {
    var relativeChanges = state.relativeChanges;
    return $.ajax({ url: UNREAD_URL, dataType: 'json', cache: false }).then(function (answer) {
      if (state.acceptFetched(answer, relativeChanges)) {
        renderCount(state.unread);
        tabs.post(state.snapshot());
      }
      return answer;
    }, function () {
      return null;
    });
  }

  function onNotification(state, tabs, data) {
    var applied = applyNotification(state, data);
    if (applied === 'absolute') {
      tabs.post(state.snapshot());
    }
    if (applied && data.task && data.task.id !== undefined) {
      showToast(data.task);
      notifyDesktop(data.task);
    }
  }

  function watchReconnects(pusher, refresh) {
    var wasConnected = false;
    pusher.connection.bind('state_change', function (states) {
      if (states.current !== 'connected') {
        return;
      }
      if (wasConnected) {
        refresh();
      }
      wasConnected = true;
    });

    window.document.addEventListener('visibilitychange', function () {
      if (window.document.visibilityState === 'visible') {
        refresh();
      }
    });
  }

  /* The first subscription closes the gap between rendering the page and listening. */
  function catchUpOnce(refresh) {
    var done = false;
    return function () {
      if (!done) {
        done = true;
        refresh();
      }
    };
  }

  function subscribePresence(pusher) {
    var channel = pusher.subscribe('presence-staff');
    channel.bind('pusher:subscription_succeeded', function (members) {
      var ids = [];
      members.each(function (member) { ids.push(member.id); });
      markOnlyOnline(ids);
    });
    channel.bind('pusher:member_added', function (member) { markOnline(member.id); });
    channel.bind('pusher:member_removed', function (member) { markOffline(member.id); });
    return channel;
  }

  /*
   * Connects the page. `options` may replace `Pusher` and `BroadcastChannel` (tests);
   * returns the live parts, or null on a signed-out page.
   */
  function start(options) {
    var settings = options || {};
    var page = readPage(window.document);
    var Pusher = settings.Pusher || window.Pusher;
    if (!page.userId || !page.key || !Pusher) {
      return null;
    }

    var state = new BadgeState(page.unread, page.seq);
    renderCount(state.unread);
    var tabs = openTabChannel(settings.BroadcastChannel || window.BroadcastChannel, state);
    tabs.post(state.snapshot());
    wireDesktopPermissionButton();

    var pusher = connect(Pusher, page);
    // Signed-in sockets are closed by the server when the account is deactivated.
    pusher.signin();
    var refresh = function () { return refreshFromServer(state, tabs); };
    var own = pusher.subscribe('private-' + page.userId);
    own.bind('notification', function (data) { onNotification(state, tabs, data); });
    own.bind('pusher:subscription_succeeded', catchUpOnce(refresh));
    watchReconnects(pusher, refresh);
    // Everyone joins, so that managers can see who is online; pages without
    // [data-presence-user] elements simply show nothing of it.
    subscribePresence(pusher);

    return { pusher: pusher, state: state, refresh: refresh };
  }

  var api = {
    titleWithCount: titleWithCount,
    BadgeState: BadgeState,
    applyNotification: applyNotification,
    renderCount: renderCount,
    showToast: showToast,
    notifyDesktop: notifyDesktop,
    markOnline: markOnline,
    markOffline: markOffline,
    markOnlyOnline: markOnlyOnline,
    start: start
  };

  if ($) {
    $(function () { api.live = start(); });
  }
  return api;
});
