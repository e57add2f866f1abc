// host.js answers the Microsoft Teams JavaScript SDK (@microsoft/teams-js v2)
// the way the Teams web client does, for the calls our tab makes. The tab runs
// in <iframe id="tab"> on another origin and talks to this page with
// window.postMessage; see README.md for the wire format. An optional
// <iframe id="other-app"> is another Teams app beside it, answered the same
// way except that it never gets our app's token.
//
// It is loaded from <head>, so the listener is in place before the iframe
// exists: the SDK sends "initialize" once, as soon as it is loaded, and never
// repeats it.
(function () {
  'use strict';

  // What we tell the SDK at "initialize". apiVersion 4 is the runtime format
  // teams-js 2.x expects; "supports" lists only the capabilities answered here.
  var RUNTIME = JSON.stringify({
    apiVersion: 4,
    isLegacyTeams: false,
    supports: { authentication: {} }
  });
  var CLIENT_TYPE = 'web';

  // The framed apps, by the id of their <iframe>. Each is looked up until
  // found: a message from the tab can come before the parser has reached a
  // later iframe.
  var FRAME_IDS = ['tab', 'other-app'];
  var frames = {}; // frame id -> {el, origin}, the origin of its src
  // frame id -> its pending authentication.authenticate popup. Teams keeps
  // one per app and hands a popup's result only to the app that opened it.
  var auths = {};

  // The event source of a frame's popup. The tab's is 'popup', as before
  // there was a second app.
  function popupSource(frameId) {
    return frameId === 'tab' ? 'popup' : frameId + '-popup';
  }

  // Which of our windows sent a message: a frame id, a popupSource or null
  // (ignored). Both the window and its origin must match.
  function sender(event) {
    for (var i = 0; i < FRAME_IDS.length; i++) {
      var id = FRAME_IDS[i];
      var f = frames[id];
      if (!f) {
        var el = document.getElementById(id);
        if (!el) {
          continue;
        }
        f = frames[id] = { el: el, origin: new URL(el.src).origin };
      }
      if (event.source === f.el.contentWindow && event.origin === f.origin) {
        return id;
      }
    }
    for (var frameId in auths) {
      var auth = auths[frameId];
      if (event.source === auth.popup && event.origin === auth.origin) {
        return popupSource(frameId);
      }
    }
    return null;
  }

  function isPopup(from) {
    return FRAME_IDS.indexOf(from) < 0;
  }

  // The app a message comes from: the frame itself, or the frame whose
  // popup sent it.
  function frameOf(from) {
    for (var i = 0; i < FRAME_IDS.length; i++) {
      if (from === FRAME_IDS[i] || from === popupSource(FRAME_IDS[i])) {
        return FRAME_IDS[i];
      }
    }
    return null;
  }

  window.addEventListener('message', function (event) {
    var from = sender(event);
    var msg = event.data;
    if (!from || !msg || typeof msg !== 'object' ||
        typeof msg.func !== 'string' || typeof msg.id !== 'number') {
      return;
    }
    record(from, msg);
    var handler = handlers[msg.func];
    if (handler) {
      handler(msg, answerer(event, msg), from);
    }
    // Anything else (appInitialization.*, unknown calls) is recorded only.
  });

  // answerer returns a function that sends the response to one request:
  // the request's id and uuid echoed back, plus the result in args.
  function answerer(event, msg) {
    var target = event.source;
    var origin = event.origin;
    return function (args) {
      target.postMessage({
        id: msg.id,
        uuidAsString: msg.uuidAsString,
        args: args,
        timestamp: Date.now()
      }, origin);
    };
  }

  // record reports a call to the server (GET /events lists them).
  function record(from, msg) {
    var args = Array.isArray(msg.args) ? msg.args : [];
    if (msg.func === 'authentication.authenticate.success') {
      args = ['[redacted]']; // the popup's result is often a token or code
    }
    fetch('/events', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        source: from,
        func: msg.func,
        args: args,
        apiVersionTag: msg.apiVersionTag || ''
      })
    }).catch(function () {});
  }

  function getJSON(path) {
    return fetch(path, { cache: 'no-store' }).then(function (r) {
      return r.json().then(function (body) {
        return { ok: r.ok, status: r.status, body: body };
      });
    });
  }

  var handlers = {
    // args: [sdkVersion, runtimeApiVersion, validMessageOrigins]
    // answer: [frameContext, hostClientType, runtimeConfig, clientSupportedSDKVersion]
    'initialize': function (msg, answer, from) {
      var sdkVersion = typeof msg.args[0] === 'string' ? msg.args[0] : '2.0.0';
      answer([isPopup(from) ? 'authentication' : 'content', CLIENT_TYPE, RUNTIME, sdkVersion]);
    },

    // answer: [legacy context]; the SDK maps it to app.Context.
    'getContext': function (msg, answer, from) {
      getJSON('/context').then(function (res) {
        var ctx = res.body;
        ctx.frameContext = isPopup(from) ? 'authentication' : 'content';
        ctx.hostClientType = CLIENT_TYPE;
        answer([ctx]);
      });
    },

    // args: [resources, claims, silent, tenantId]; answer: [true, token] or
    // [false, reason]. The token is minted by the server on every call.
    // Teams issues each app tokens for its own resource only, and the
    // server mints only ours, so the other app (and its popup) gets none.
    'authentication.getAuthToken': function (msg, answer, from) {
      if (frameOf(from) !== 'tab') {
        answer([false, 'resourceDisabled']);
        return;
      }
      getJSON('/token').then(function (res) {
        if (res.ok && typeof res.body.token === 'string') {
          answer([true, res.body.token]);
        } else {
          answer([false, res.body.error || 'HTTP ' + res.status]);
        }
      }, function (err) {
        answer([false, String(err)]);
      });
    },

    // args: [url, width, height, isExternal]. Opens the URL in a popup; the
    // page there calls authentication.notifySuccess or notifyFailure, which
    // arrive below. The answer is [true, result] or [false, reason].
    'authentication.authenticate': function (msg, answer, from) {
      var frameId = frameOf(from);
      finishAuth(frameId, [false, 'CancelledByUser']); // one popup per app
      var origin;
      try {
        origin = new URL(msg.args[0]).origin;
      } catch (e) {
        answer([false, 'FailedToOpenWindow']);
        return;
      }
      var features = 'width=' + (Number(msg.args[1]) || 600) +
        ',height=' + (Number(msg.args[2]) || 400);
      var popup = window.open(msg.args[0], '_blank', features);
      if (!popup) {
        answer([false, 'FailedToOpenWindow']); // blocked by the browser
        return;
      }
      auths[frameId] = {
        popup: popup,
        origin: origin,
        answer: answer,
        timer: setInterval(function () {
          if (popup.closed) {
            finishAuth(frameId, [false, 'CancelledByUser']);
          }
        }, 250)
      };
    },
    'authentication.authenticate.success': function (msg, answer, from) {
      if (isPopup(from)) {
        finishAuth(frameOf(from), [true, msg.args[0]]);
      }
    },
    'authentication.authenticate.failure': function (msg, answer, from) {
      if (isPopup(from)) {
        finishAuth(frameOf(from), [false, msg.args[0]]);
      }
    }
  };

  // finishAuth answers the frame's pending authenticate call, if any, and
  // closes its popup.
  function finishAuth(frameId, args) {
    var done = auths[frameId];
    if (!done) {
      return;
    }
    delete auths[frameId];
    clearInterval(done.timer);
    done.answer(args);
    if (!done.popup.closed) {
      done.popup.close();
    }
  }

  // The activity list shows items as they arrive, without reloading the
  // page (and the tab with it). Item n opens the server's item n; the list
  // is rebuilt whenever what the server holds differs from what is shown.
  var shownActivity = '';
  function showActivity(items) {
    var list = document.getElementById('activity');
    var seen = JSON.stringify(items);
    if (!list || seen === shownActivity) {
      return;
    }
    shownActivity = seen;
    Array.prototype.slice.call(list.querySelectorAll('form, p')).forEach(function (el) { el.remove(); });
    if (items.length === 0) {
      var none = document.createElement('p');
      none.textContent = list.dataset.empty || '';
      list.appendChild(none);
      return;
    }
    items.forEach(function (item, i) {
      var form = document.createElement('form');
      form.method = 'post';
      form.action = '/open';
      var n = document.createElement('input');
      n.type = 'hidden';
      n.name = 'item';
      n.value = String(i);
      var button = document.createElement('button');
      button.type = 'submit';
      button.textContent = item.text;
      var preview = document.createElement('span');
      preview.className = 'preview';
      preview.textContent = item.preview;
      button.appendChild(preview);
      form.appendChild(n);
      form.appendChild(button);
      list.appendChild(form);
    });
  }
  function pollActivity() {
    fetch('/activity', { cache: 'no-store' }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (items) { if (Array.isArray(items)) { showActivity(items); } }, function () {});
  }
  document.addEventListener('DOMContentLoaded', function () {
    if (document.getElementById('activity')) {
      pollActivity();
      setInterval(pollActivity, 2000);
    }
  });
})();
