import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { closePages, loadPage } from './page.mjs';
import {
  FakePusher, TabChannel, answerUnreadCount, closeTabChannels, desktopNotifications,
  eventually, members, nextTurn,
} from './fakes.mjs';

afterEach(() => {
  closePages();
  closeTabChannels();
  FakePusher.instances.length = 0;
});

const ASSIGN_FORM = '<select name="assignee">' +
  '<option value="7" data-presence-user="7">Sam Staff</option>' +
  '<option value="8" data-presence-user="8">Pat Porter</option></select>' +
  '<table><tr><td data-presence-user="7">Sam Staff</td></tr></table>';

/** A signed-in page, started with fakes; returns the window and its Pusher client. */
function openTab({ userId = '7', role = 'staff', unread = '0', seq = '10', body = '',
  unreadAnswer = { unread: Number(unread), seq: Number(seq) } } = {}) {
  const window = loadPage(`<a id="nav_main" href="/notifications">Notifications</a>${body}`, {
    head: '<meta name="csrf-token" content="csrf-123">',
    bodyAttributes: `data-user-id="${userId}" data-user-role="${role}" data-pusher-key="key-1" ` +
      'data-pusher-host="push.caretaker.test" data-pusher-port="6001" data-pusher-tls="false" ' +
      `data-unread="${unread}" data-seq="${seq}"`,
  });
  const requests = answerUnreadCount(window, () => unreadAnswer);
  window.Caretaker.start({ Pusher: FakePusher, BroadcastChannel: TabChannel });
  const pusher = FakePusher.instances.at(-1);
  return { window, pusher, requests, $: window.jQuery };
}

/** Copies a value out of the page's realm so deepEqual compares structure only. */
function plain(value) {
  return JSON.parse(JSON.stringify(value));
}

function badge(window) {
  return window.jQuery('#nav_main .badger-badge').text();
}

function notify(pusher, userId, data) {
  pusher.channels[`private-${userId}`].emit('notification', data);
}

test('the title shows the count and drops the prefix at zero', () => {
  const { Caretaker } = loadPage();

  assert.equal(Caretaker.titleWithCount('Tasks - Caretaker', 3), '(3) Tasks - Caretaker');
  assert.equal(Caretaker.titleWithCount('(3) Tasks - Caretaker', 4), '(4) Tasks - Caretaker');
  assert.equal(Caretaker.titleWithCount('(4) Tasks - Caretaker', 0), 'Tasks - Caretaker');
  assert.equal(Caretaker.titleWithCount('Tasks - Caretaker', 250), '(99+) Tasks - Caretaker');
  assert.equal(Caretaker.titleWithCount('(99+) Caretaker', 2), '(2) Caretaker');
});

test('an absolute update older than the newest seen is dropped', () => {
  const { Caretaker } = loadPage();
  const state = new Caretaker.BadgeState(3, 10);

  const older = state.acceptAbsolute({ unread: 1, seq: 9 });
  const same = state.acceptAbsolute({ unread: 2, seq: 10 });
  const newer = state.acceptAbsolute({ unread: 5, seq: 12 });

  assert.deepEqual([older, same, newer], [false, true, true]);
  assert.deepEqual(plain(state.snapshot()), { unread: 5, seq: 12 });
});

test('a relative update needs a newer seq than an already fetched count', () => {
  const { Caretaker } = loadPage();
  const state = new Caretaker.BadgeState(3, 10);

  assert.equal(state.acceptRelative(10), false);
  assert.equal(state.acceptRelative(11), true);
  assert.equal(state.acceptRelative(undefined), true);
  assert.equal(state.seq, 11);
});

test('a count fetched before a plain increment arrived does not undo it', async () => {
  const { window, pusher } = openTab({ unread: '1', seq: '10' });
  const pending = window.jQuery.Deferred();
  window.jQuery.ajax = () => pending.promise();
  pusher.connection.emit('state_change', { previous: 'connecting', current: 'connected' });
  pusher.connection.emit('state_change', { previous: 'connecting', current: 'connected' });

  notify(pusher, '7', { message: '+1' });
  pending.resolve({ unread: 1, seq: 10 });
  await nextTurn();

  assert.equal(badge(window), '2');
});

test('a count fetched meanwhile still applies when its seq is newer', async () => {
  const { window, pusher } = openTab({ unread: '1', seq: '10' });
  const pending = window.jQuery.Deferred();
  window.jQuery.ajax = () => pending.promise();
  window.document.dispatchEvent(new window.Event('visibilitychange'));

  notify(pusher, '7', { message: '+1' });
  pending.resolve({ unread: 5, seq: 13 });
  await nextTurn();

  assert.equal(badge(window), '5');
});

test('a signed-out page starts nothing', () => {
  const window = loadPage();

  const live = window.Caretaker.start({ Pusher: FakePusher, BroadcastChannel: TabChannel });

  assert.equal(live, null);
  assert.equal(FakePusher.instances.length, 0);
});

test('the server-rendered count shows in the badge and the title', () => {
  const { window } = openTab({ unread: '3', seq: '10' });

  assert.equal(badge(window), '3');
  assert.equal(window.document.title, '(3) Caretaker');
});

test('pusher is configured for the embedded server with the csrf token on auth', () => {
  const { pusher } = openTab({ userId: '7' });

  assert.equal(pusher.key, 'key-1');
  assert.deepEqual(plain(pusher.options), {
    wsHost: 'push.caretaker.test',
    wsPort: 6001,
    wssPort: 6001,
    forceTLS: false,
    enabledTransports: ['ws', 'wss'],
    disableStats: true,
    cluster: 'caretaker',
    channelAuthorization: {
      endpoint: '/pusher_auth',
      transport: 'ajax',
      headers: { 'X-CSRF-Token': 'csrf-123' },
    },
    userAuthentication: {
      endpoint: '/pusher_user_auth',
      transport: 'ajax',
      headers: { 'X-CSRF-Token': 'csrf-123' },
    },
  });
  assert.equal(pusher.signedIn, true);
  assert.deepEqual(Object.keys(pusher.channels), ['private-7', 'presence-staff']);
});

test('a notification with an unread count sets the badge and the title', () => {
  const { window, pusher } = openTab({ unread: '1', seq: '10' });

  notify(pusher, '7', { message: '+1', unread: 5, seq: 11 });

  assert.equal(badge(window), '5');
  assert.equal(window.document.title, '(5) Caretaker');
});

test('a plain badger message from any trigger is applied', () => {
  const { window, pusher } = openTab({ unread: '2' });

  notify(pusher, '7', { message: '+1' });
  notify(pusher, '7', { message: '+1' });

  assert.equal(badge(window), '4');
  assert.equal(window.document.title, '(4) Caretaker');
});

test('a notification older than the rendered page is ignored', () => {
  const { window, pusher } = openTab({ unread: '4', seq: '20' });

  notify(pusher, '7', { message: '+1', unread: 3, seq: 19 });
  notify(pusher, '7', { message: '+1', seq: 20 });

  assert.equal(badge(window), '4');
});

test('another open tab follows the newest count', async () => {
  const first = openTab({ unread: '1', seq: '10' });
  const second = openTab({ unread: '1', seq: '10' });

  notify(first.pusher, '7', { message: '+1', unread: 2, seq: 11 });

  await eventually(() => badge(second.window) === '2');
  assert.equal(second.window.document.title, '(2) Caretaker');
});

test('a tab opened with a stale count is corrected by an older tab', async () => {
  const older = openTab({ unread: '6', seq: '30' });
  notify(older.pusher, '7', { unread: 6, seq: 30 });

  const stale = openTab({ unread: '2', seq: '25', unreadAnswer: { unread: 2, seq: 25 } });

  await eventually(() => badge(stale.window) === '6');
  assert.equal(badge(older.window), '6');
});

test('a stale server answer after reconnecting never overwrites a newer event', async () => {
  const { window, pusher, requests } = openTab({
    unread: '3', seq: '10', unreadAnswer: { unread: 1, seq: 9 },
  });
  pusher.connection.emit('state_change', { previous: 'connecting', current: 'connected' });
  notify(pusher, '7', { message: '+1', unread: 4, seq: 11 });

  pusher.connection.emit('state_change', { previous: 'unavailable', current: 'connecting' });
  pusher.connection.emit('state_change', { previous: 'connecting', current: 'connected' });
  await nextTurn();

  assert.deepEqual(requests, ['/notifications/unread_count']);
  assert.equal(badge(window), '4');
});

test('reconnecting fetches the count again and shows it', async () => {
  const answer = { unread: 3, seq: 10 };
  const { window, pusher, requests } = openTab({ unread: '3', seq: '10', unreadAnswer: answer });
  pusher.connection.emit('state_change', { previous: 'connecting', current: 'connected' });

  Object.assign(answer, { unread: 0, seq: 14 });
  pusher.connection.emit('state_change', { previous: 'connecting', current: 'connected' });
  await nextTurn();

  assert.deepEqual(requests, ['/notifications/unread_count']);
  assert.equal(badge(window), '');
  assert.equal(window.document.title, 'Caretaker');
});

test('the first subscription catches up with events sent while the page loaded', async () => {
  const { window, pusher, requests } = openTab({
    unread: '1', seq: '10', unreadAnswer: { unread: 2, seq: 11 },
  });

  pusher.channels['private-7'].emit('pusher:subscription_succeeded', {});
  pusher.channels['private-7'].emit('pusher:subscription_succeeded', {});
  await nextTurn();

  assert.deepEqual(requests, ['/notifications/unread_count']);
  assert.equal(badge(window), '2');
});

test('a tab becoming visible again fetches the count', async () => {
  const { window, requests } = openTab({
    unread: '1', seq: '10', unreadAnswer: { unread: 7, seq: 15 },
  });

  window.document.dispatchEvent(new window.Event('visibilitychange'));
  await nextTurn();

  assert.deepEqual(requests, ['/notifications/unread_count']);
  assert.equal(badge(window), '7');
});

test('a task notification shows a toast linking to the task, title as text', () => {
  const { window, pusher, $ } = openTab();

  notify(pusher, '7', {
    message: '+1', unread: 1, seq: 11, task: { id: 42, title: '<b>Leak</b> in room 4' },
  });

  const toast = $('.toast-stack .toast');
  assert.equal(toast.length, 1);
  assert.equal(toast.find('.toast-link').attr('href'), '/tasks/42');
  assert.equal(toast.find('.toast-link').text(), '<b>Leak</b> in room 4');
  assert.equal(toast.find('b').length, 0);
  assert.equal(window.document.querySelectorAll('.toast-stack').length, 1);
});

test('a toast hides itself after a while and on dismiss', async () => {
  const window = loadPage();
  const { Caretaker, jQuery: $ } = window;

  Caretaker.showToast({ id: 1, title: 'Broken window' }, 50);
  const dismissed = Caretaker.showToast({ id: 2, title: 'Lights out' }, 60000);
  dismissed.find('.toast-close').trigger('click');

  await eventually(() => $('.toast').length === 0);
});

test('a desktop notification appears only when already permitted, tagged by task', () => {
  const { window, pusher } = openTab();
  const granted = desktopNotifications('granted');
  window.Notification = granted.RecordingNotification;

  notify(pusher, '7', { message: '+1', unread: 1, seq: 11, task: { id: 5, title: 'Fix door' } });
  window.Notification = desktopNotifications('default').RecordingNotification;
  notify(pusher, '7', { message: '+1', unread: 2, seq: 12, task: { id: 6, title: 'Paint' } });

  assert.equal(granted.shown.length, 1);
  assert.equal(granted.shown[0].options.tag, 'caretaker-task-5');
  assert.equal(granted.shown[0].options.body, 'Fix door');
});

test('staff pages join the presence channel so managers see them online', () => {
  const { pusher } = openTab({ role: 'staff' });

  assert.notEqual(pusher.channels['presence-staff'], undefined);
});

test('managers see who is online on options and name cells', () => {
  const { pusher, $ } = openTab({ userId: '2', role: 'manager', body: ASSIGN_FORM });
  const presence = pusher.channels['presence-staff'];

  presence.emit('pusher:subscription_succeeded', members(['2', '7']));
  presence.emit('pusher:member_added', { id: '7', info: {} });

  assert.equal($('option[value=7]').text(), 'Sam Staff (online)');
  assert.ok($('option[value=7]').hasClass('is-online'));
  assert.ok($('td[data-presence-user=7]').hasClass('is-online'));
  assert.equal($('td[data-presence-user=7]').text(), 'Sam Staff');
  assert.equal($('option[value=8]').text(), 'Pat Porter');
});

test('a member leaving is shown offline again', () => {
  const { pusher, $ } = openTab({ userId: '1', role: 'admin', body: ASSIGN_FORM });
  const presence = pusher.channels['presence-staff'];
  presence.emit('pusher:subscription_succeeded', members(['1']));
  presence.emit('pusher:member_added', { id: '8', info: {} });

  presence.emit('pusher:member_removed', { id: '8', info: {} });

  assert.equal($('option[value=8]').text(), 'Pat Porter');
  assert.equal($('option[value=8]').hasClass('is-online'), false);
});

test('resubscribing replaces the online list', () => {
  const { pusher, $ } = openTab({ userId: '2', role: 'manager', body: ASSIGN_FORM });
  const presence = pusher.channels['presence-staff'];
  presence.emit('pusher:subscription_succeeded', members(['7']));

  presence.emit('pusher:subscription_succeeded', members(['8']));

  assert.equal($('option[value=7]').text(), 'Sam Staff');
  assert.equal($('option[value=8]').text(), 'Pat Porter (online)');
  assert.equal($('.is-online').length, 1);
});
