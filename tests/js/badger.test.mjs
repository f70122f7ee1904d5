import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { closePages, loadPage } from './page.mjs';

afterEach(closePages);

function setup(body) {
  const window = loadPage(body, { withApp: false });
  const $ = window.jQuery;
  return { window, $, nav: $('#nav_main') };
}

function badgeText(nav) {
  return nav.find('.badger-badge').text();
}

test('a plus instruction creates the badge with that number', () => {
  const { nav } = setup();

  nav.badger('+2');

  assert.equal(badgeText(nav), '2');
});

test('increments add to the current number', () => {
  const { nav } = setup();

  nav.badger('+2');
  nav.badger('+1');
  nav.badger('+10');

  assert.equal(badgeText(nav), '13');
});

test('a decrement subtracts from the current number', () => {
  const { nav } = setup();
  nav.badger('5');

  nav.badger('-2');

  assert.equal(badgeText(nav), '3');
});

test('decrementing to zero removes the badge', () => {
  const { nav } = setup();
  nav.badger('2');

  nav.badger('-2');

  assert.equal(nav.find('.badger-outer').length, 0);
});

test('decrementing never goes below zero', () => {
  const { nav } = setup();
  nav.badger('1');

  nav.badger('-5');
  nav.badger('+1');

  assert.equal(badgeText(nav), '1');
});

test('a plain number sets the badge', () => {
  const { nav } = setup();
  nav.badger('+4');

  nav.badger('7');

  assert.equal(badgeText(nav), '7');
});

test('an empty instruction removes the badge', () => {
  const { nav } = setup();
  nav.badger('3');

  nav.badger('');

  assert.equal(nav.find('.badger-badge').length, 0);
  assert.equal(nav.text(), 'Notifications');
});

test('setting zero removes the badge', () => {
  const { nav } = setup();
  nav.badger('3');

  nav.badger('0');

  assert.equal(nav.find('.badger-badge').length, 0);
});

test('above 99 the badge shows 99+ and keeps the real number', () => {
  const { nav } = setup();

  nav.badger('99');
  nav.badger('+2');

  const badge = nav.find('.badger-badge');
  assert.equal(badge.text(), '99+');
  assert.equal(badge.attr('data-badger-count'), '101');
  assert.equal(nav.badgerCount(), 101);
});

test('counting down from above 99 shows the exact number again', () => {
  const { nav } = setup();
  nav.badger('101');

  nav.badger('-3');

  assert.equal(badgeText(nav), '98');
});

test('html in the instruction is shown as text, never parsed', () => {
  const { nav } = setup();

  nav.badger('<img src=x onerror="window.hacked=1">');

  const badge = nav.find('.badger-badge');
  assert.equal(badge.text(), '<img src=x onerror="window.hacked=1">');
  assert.equal(badge.find('img').length, 0);
  assert.equal(nav.find('img').length, 0);
});

test('an element keeps exactly one badge however often the plugin runs', () => {
  const { nav } = setup();

  for (let i = 0; i < 5; i += 1) {
    nav.badger('+1');
    nav.badger('3');
    nav.badger('new');
  }

  assert.equal(nav.find('.badger-outer').length, 1);
  assert.equal(nav.find('.badger-badge').length, 1);
});

test('server-rendered badge markup is taken over, not duplicated', () => {
  const { nav } = setup('<a id="nav_main" href="/notifications">Notifications' +
    '<span class="badger-outer"><span class="badger-badge" data-badger-count="120">99+</span>' +
    '</span></a>');

  nav.badger('+1');

  assert.equal(nav.find('.badger-badge').length, 1);
  assert.equal(nav.find('.badger-badge').attr('data-badger-count'), '121');
});

test('markup the plugin produces matches the documented server markup', () => {
  const { nav } = setup();

  nav.badger('3');
  nav.find('.badger-badge').removeClass('badger-bump');

  assert.equal(nav.html(), 'Notifications<span class="badger-outer">' +
    '<span class="badger-badge" data-badger-count="3">3</span></span>');
});

test('the callback receives the new value with the element as this', () => {
  const { nav } = setup();
  const seen = [];

  nav.badger('+2', function (value) { seen.push([this.id, value]); });
  nav.badger('-1', function (value) { seen.push([this.id, value]); });
  nav.badger('', function (value) { seen.push([this.id, value]); });

  assert.deepEqual(seen, [['nav_main', 2], ['nav_main', 1], ['nav_main', 0]]);
});

test('each element in a selection counts on its own', () => {
  const { $ } = setup('<a class="count" id="a">A</a><a class="count" id="b">B</a>');
  $('#a').badger('4');

  $('.count').badger('+1');

  assert.equal($('#a .badger-badge').text(), '5');
  assert.equal($('#b .badger-badge').text(), '1');
});

test('text badges switch back to counting from zero', () => {
  const { nav } = setup();
  nav.badger('new');

  nav.badger('+1');

  assert.equal(badgeText(nav), '1');
});
