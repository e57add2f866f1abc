// host.js answers the Microsoft Teams JavaScript SDK (@microsoft/teams-js v2)
// the way the Teams web client does, for the calls our tab makes. The tab runs
// in <iframe id="tab"> on another origin and talks to this page with
// window.postMessage; see README.md for the wire format.
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

  var tabFrame = null; // the <iframe id="tab">, found on the first message
  var tabOrigin = null; // the origin of its src
  var auth = null; // the pending authentication.authenticate popup, if any

  // Which of our windows sent a message: 'tab', 'popup' or null (ignored).
  // Both the window and its origin must match.
  function sender(event) {
    if (!tabFrame) {
      tabFrame = document.getElementById('tab');
      tabOrigin = tabFrame ? new URL(tabFrame.src).origin : null;
    }
    if (tabFrame && event.source === tabFrame.contentWindow && event.origin === tabOrigin) {
      return 'tab';
    }
    if (auth && event.source === auth.popup && event.origin === auth.origin) {
      return 'popup';
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
      answer([from === 'popup' ? 'authentication' : 'content', CLIENT_TYPE, RUNTIME, sdkVersion]);
    },

    // answer: [legacy context]; the SDK maps it to app.Context.
    'getContext': function (msg, answer, from) {
      getJSON('/context').then(function (res) {
        var ctx = res.body;
        ctx.frameContext = from === 'popup' ? 'authentication' : 'content';
        ctx.hostClientType = CLIENT_TYPE;
        answer([ctx]);
      });
    },

    // args: [resources, claims, silent, tenantId]; answer: [true, token] or
    // [false, reason]. The token is minted by the server on every call.
    'authentication.getAuthToken': function (msg, answer) {
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
    'authentication.authenticate': function (msg, answer) {
      finishAuth([false, 'CancelledByUser']); // one popup at a time
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
      auth = {
        popup: popup,
        origin: origin,
        answer: answer,
        timer: setInterval(function () {
          if (popup.closed) {
            finishAuth([false, 'CancelledByUser']);
          }
        }, 250)
      };
    },
    'authentication.authenticate.success': function (msg, answer, from) {
      if (from === 'popup') {
        finishAuth([true, msg.args[0]]);
      }
    },
    'authentication.authenticate.failure': function (msg, answer, from) {
      if (from === 'popup') {
        finishAuth([false, msg.args[0]]);
      }
    }
  };

  function finishAuth(args) {
    if (!auth) {
      return;
    }
    var done = auth;
    auth = null;
    clearInterval(done.timer);
    done.answer(args);
    if (!done.popup.closed) {
      done.popup.close();
    }
  }
})();
