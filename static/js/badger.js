/*
 * Badger-style notification badges for jQuery.
 *
 *   $(el).badger('+2')   add 2 (creates the badge when there is none)
 *   $(el).badger('-1')   subtract 1, never below 0; reaching 0 removes the badge
 *   $(el).badger('7')    set to 7 ('0' removes the badge)
 *   $(el).badger('')     remove the badge
 *   $(el).badger('new')  show any other text as it is (always as text, never as HTML)
 *   $(el).badger('+1', function (value) { ... })   value: the new number (0 once removed),
 *                                                   or the text; `this` is the element
 *   $(el).badgerCount()  the current number of the first element (0 without a badge)
 *
 * Markup: the badge is the last child of the element it counts for. A server that renders the
 * count for pages without JavaScript writes exactly this shape (N the count, LABEL the same
 * number, or "99+" when N is above 99), and the plugin takes it over:
 *
 *   <span class="badger-outer"><span class="badger-badge" data-badger-count="N">LABEL</span></span>
 *
 * Each element holds at most one badge, however often the plugin is called.
 */
(function ($) {
  'use strict';

  var MAX_SHOWN = 99;

  /* Turns the argument into an operation: {op: 'add'|'set'|'remove'|'text', amount, text}. */
  function parseInstruction(badge) {
    if (badge === undefined || badge === null) {
      return { op: 'remove' };
    }

    var text = String(badge).trim();
    if (text === '') {
      return { op: 'remove' };
    }

    var match = /^([+-]?)(\d+)$/.exec(text);
    if (!match) {
      return { op: 'text', text: text };
    }

    var amount = parseInt(match[2], 10);
    if (match[1] === '+') {
      return { op: 'add', amount: amount };
    }
    if (match[1] === '-') {
      return { op: 'add', amount: -amount };
    }
    return { op: 'set', amount: amount };
  }

  function label(count) {
    return count > MAX_SHOWN ? MAX_SHOWN + '+' : String(count);
  }

  /* The element's single badge wrapper; extra copies (if any) are dropped. */
  function findOuter($target) {
    var $outer = $target.children('.badger-outer');
    $outer.slice(1).remove();
    return $outer.first();
  }

  function currentCount($outer) {
    var $badge = $outer.children('.badger-badge');
    var stored = parseInt($badge.attr('data-badger-count'), 10);
    if (!isNaN(stored)) {
      return stored;
    }

    var shown = parseInt($badge.text(), 10);
    return isNaN(shown) ? 0 : shown;
  }

  function ensureOuter($target) {
    var $outer = findOuter($target);
    if ($outer.length) {
      return $outer;
    }

    $outer = $('<span class="badger-outer"></span>');
    $outer.append('<span class="badger-badge"></span>');
    $target.append($outer);
    return $outer;
  }

  /* Restarts the small bump animation that marks an increase (reading offsetWidth makes the
     browser notice the class was removed before it is added again). */
  function bump($badge) {
    $badge.removeClass('badger-bump');
    void $badge[0].offsetWidth;
    $badge.addClass('badger-bump').one('animationend', function () {
      $badge.removeClass('badger-bump');
    });
  }

  function showCount($target, count, previous) {
    if (count <= 0) {
      findOuter($target).remove();
      return 0;
    }

    var $badge = ensureOuter($target).children('.badger-badge');
    $badge.attr('data-badger-count', String(count)).text(label(count));
    if (count > previous) {
      bump($badge);
    }
    return count;
  }

  function showText($target, text) {
    var $badge = ensureOuter($target).children('.badger-badge');
    $badge.removeAttr('data-badger-count').text(text);
    return text;
  }

  function apply($target, instruction) {
    var previous = currentCount(findOuter($target));

    switch (instruction.op) {
      case 'remove':
        return showCount($target, 0, previous);
      case 'text':
        return showText($target, instruction.text);
      case 'add':
        return showCount($target, Math.max(0, previous + instruction.amount), previous);
      default:
        return showCount($target, instruction.amount, previous);
    }
  }

  $.fn.badger = function (badge, callback) {
    var instruction = parseInstruction(badge);

    return this.each(function () {
      var value = apply($(this), instruction);
      if (typeof callback === 'function') {
        callback.call(this, value);
      }
    });
  };

  $.fn.badgerCount = function () {
    return this.length ? currentCount(findOuter(this.first())) : 0;
  };
})(jQuery);
