// The tab page: asks the Microsoft host (Teams, Outlook, Microsoft 365) for
// the person's Entra token through the Teams SDK, trades it for a
// Mattermost session, and shows Mattermost in a frame of its own. Any
// failure shows the normal Mattermost login there, with the reason in the
// console on one line, and only once the server has ended the tab session
// this browser carried: the frame shows a session only while the host's
// current token proves its account. Keeping Mattermost in its own frame lets this page
// run logins in the host's popup (identity providers refuse to be framed),
// where a person whose Microsoft account matches no Mattermost account
// links the two by signing in with their own Mattermost login.
(function () {
  'use strict';
  var root = document.getElementById('tab');
  var cfg = {
    exchangeURL: root.dataset.exchangeUrl,
    redeemURL: root.dataset.redeemUrl,
    signOutURL: root.dataset.signOutUrl,
    linkPath: root.dataset.linkPath,
    loginURL: root.dataset.loginUrl,
    homeURL: root.dataset.homeUrl,
    tenantID: (root.dataset.tenantId || '').toLowerCase(),
    validOrigins: (root.dataset.validOrigins || '').split(' ').filter(Boolean)
  };
  var STUCK_AFTER_MS = 15000;
  var EXPLAIN_MS = 3000;
  var INIT_TIMEOUT_MS = 10000;
  var TOKEN_TRIES = 3;
  // What Mattermost may use inside the host: Calls and the clipboard.
  var FRAME_PERMISSIONS = 'microphone; camera; display-capture; clipboard-read; clipboard-write; fullscreen';

  // The linking flow the server started for this person's token, if it
  // found no account to sign them in to.
  var linkFlow = '';

  var stuckTimer = setTimeout(function () {
    document.getElementById('stuck').hidden = false;
  }, STUCK_AFTER_MS);

  function show(id) {
    ['status', 'refused', 'waiting', 'external-failed'].forEach(function (other) {
      var el = document.getElementById(other);
      if (el) { el.hidden = other !== id; }
    });
  }

  var frame;
  // showMattermost puts Mattermost at url in the page's frame.
  function showMattermost(url) {
    clearTimeout(stuckTimer);
    if (!frame) {
      frame = document.createElement('iframe');
      frame.id = 'mattermost';
      frame.title = 'Mattermost';
      frame.setAttribute('allow', FRAME_PERMISSIONS);
      document.body.appendChild(frame);
      window.addEventListener('message', onFrameMessage);
    }
    frame.src = url;
    document.body.classList.add('framed');
  }

  // fallback shows Mattermost's own login. When the server refused the
  // Microsoft sign-in, the person is told so first, briefly.
  function fallback(reason, explain) {
    clearTimeout(stuckTimer);
    console.warn('Mattermost tab sign-in fell back to the login page: ' + reason);
    if (!explain) {
      showMattermost(cfg.loginURL);
      return;
    }
    show('refused');
    setTimeout(function () { showMattermost(cfg.loginURL); }, EXPLAIN_MS);
  }

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)MMCSRF=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : '';
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'include',
      headers: {
        'Content-Type': 'application/json',
        'X-Requested-With': 'XMLHttpRequest',
        'X-CSRF-Token': csrfToken()
      },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (!r.ok) {
        var err = new Error('the server refused the sign-in (HTTP ' + r.status + ')');
        err.refused = r.status === 401;
        return r.json().catch(function () { return {}; }).then(function (body) {
          err.linkFlow = typeof body.linkFlow === 'string' ? body.linkFlow : '';
          // Only the sign-in's own answer ends the tab session itself;
          // after any other failure (a proxy's, the plugin not running)
          // the page must still ask for that.
          err.answered = body.signedOut === true;
          throw err;
        });
      }
      return r.json();
    });
  }

  // signOut asks the server to end the tab session this browser carries,
  // for a failure the page found by itself. Nothing of Mattermost is shown
  // until it answers; if it cannot be reached, nothing is shown at all.
  function signOut(reason) {
    return post(cfg.signOutURL, {}).catch(function (err) {
      var unreachable = new Error(reason + '; the session could not be ended (' + (err && err.message ? err.message : String(err)) + ')');
      unreachable.unreachable = true;
      throw unreachable;
    });
  }

  // failClosed shows no Mattermost at all, only how to open it outside.
  function failClosed(reason) {
    clearTimeout(stuckTimer);
    console.warn('Mattermost tab sign-in stopped: ' + reason);
    document.getElementById('status').hidden = true;
    document.getElementById('stuck').hidden = false;
  }

  function tokenWithRetries(tries) {
    return microsoftTeams.authentication.getAuthToken().catch(function (err) {
      if (tries <= 1) { throw err; }
      return new Promise(function (resolve) { setTimeout(resolve, 500); })
        .then(function () { return tokenWithRetries(tries - 1); });
    });
  }

  function linkURL() {
    var u = new URL(cfg.linkPath, window.location.origin);
    u.searchParams.set('flow', linkFlow);
    return u;
  }

  // offerLink shows, above the login, the way to link this Microsoft
  // account to the person's own Mattermost account.
  function offerLink() {
    var bar = document.getElementById('link-bar');
    if (!bar || !linkFlow) { return; }
    bar.hidden = false;
    document.body.classList.add('linking');
    document.getElementById('link-start').onclick = function () { runLink(linkURL()); };
  }

  // runLink opens url in the host's popup. The person signs in to
  // Mattermost there and confirms the link; the popup hands back a
  // one-time code, which only this tab can redeem: with the flow and a
  // fresh token of its own for the same Microsoft account.
  function runLink(url) {
    show('waiting');
    document.body.classList.remove('framed');
    microsoftTeams.authentication.authenticate({ url: url.toString(), width: 600, height: 600 })
      .then(function (code) {
        return tokenWithRetries(TOKEN_TRIES).then(function (token) {
          return post(cfg.redeemURL, { code: code, flow: linkFlow, token: token });
        });
      })
      .then(function (result) {
        linkFlow = '';
        document.getElementById('link-bar').hidden = true;
        document.body.classList.remove('linking');
        show('');
        showMattermost(result.redirect);
      })
      .catch(function (err) {
        var reason = err && err.message ? err.message : String(err);
        console.warn('Mattermost tab linking failed: ' + reason);
        show('external-failed');
        (err && err.answered ? Promise.resolve() : signOut('linking failed: ' + reason)).then(function () {
          setTimeout(function () { show(''); showMattermost(cfg.loginURL); }, EXPLAIN_MS);
        }, function (e) { failClosed(e.message); });
      });
  }

  // onFrameMessage runs an external login that Mattermost in the frame asks
  // for in the host's popup, ending on the link page. Only this page's own
  // frame, on this server, is listened to.
  function onFrameMessage(event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== window.location.origin) { return; }
    var data = event.data || {};
    if (data.type !== 'mattermost_external_auth_login' || typeof data.href !== 'string') { return; }
    var start;
    try {
      start = new URL(data.href, window.location.origin);
    } catch (e) {
      return;
    }
    if (start.origin !== window.location.origin) {
      console.warn('Mattermost tab ignored an external login outside this server: ' + start.origin);
      return;
    }
    if (!linkFlow) {
      // Without a token of its own the tab could not redeem what the popup
      // hands back, so the login happens outside the host instead.
      console.warn('Mattermost tab cannot finish an external login without a Microsoft sign-in');
      document.getElementById('stuck').hidden = false;
      show('external-failed');
      document.body.classList.remove('framed');
      return;
    }
    var back = linkURL();
    start.searchParams.set('redirect_to', back.pathname + back.search);
    runLink(start);
  }

  function leaveForLogin(reason) {
    console.warn('Mattermost tab sign-in fell back to the login page: ' + reason);
    signOut(reason).then(function () { window.location.replace(cfg.loginURL); }, function (e) { failClosed(e.message); });
  }
  if (typeof microsoftTeams === 'undefined') {
    leaveForLogin('the Teams SDK did not load');
    return;
  }
  if (window.parent === window && !window.opener) {
    // Opened on its own: no host, so no host's person to show anyone
    // else's session to; the browser's own login is its owner's.
    console.warn('Mattermost tab sign-in fell back to the login page: the page was opened outside a Microsoft host');
    window.location.replace(cfg.loginURL);
    return;
  }
  var initTimeout = new Promise(function (_, reject) {
    setTimeout(function () { reject(new Error('the host did not answer the Teams SDK')); }, INIT_TIMEOUT_MS);
  });
  var ctx;
  Promise.race([microsoftTeams.app.initialize(cfg.validOrigins), initTimeout])
    .then(function () {
      // Tell the host the app loaded, or it shows an error after a while.
      microsoftTeams.app.notifyAppLoaded();
      return microsoftTeams.app.getContext();
    })
    .then(function (context) {
      ctx = context;
      var tenant = ((context.user && context.user.tenant && context.user.tenant.id) || '').toLowerCase();
      if (cfg.tenantID && tenant !== cfg.tenantID) {
        throw new Error('the host is signed in to another tenant (' + tenant + ')');
      }
      return tokenWithRetries(TOKEN_TRIES);
    })
    .then(function (token) {
      return post(cfg.exchangeURL, { token: token, subPageId: (ctx.page && ctx.page.subPageId) || '' });
    })
    .then(function (result) {
      microsoftTeams.app.notifySuccess();
      showMattermost(result.redirect);
    })
    .catch(function (err) {
      if (microsoftTeams.app.isInitialized && microsoftTeams.app.isInitialized()) {
        microsoftTeams.app.notifySuccess();
      }
      linkFlow = (err && err.linkFlow) || '';
      var reason = err && err.message ? err.message : String(err);
      // A refusal the server answered ended the session already; any
      // other failure asks it to first.
      (err && err.answered ? Promise.resolve() : signOut(reason)).then(function () {
        fallback(reason, Boolean(err && err.refused) && !linkFlow);
        offerLink();
      }, function (e) { failClosed(e.message); });
    });
}());
