// The tab page: asks the Microsoft host (Teams, Outlook, Microsoft 365) for
// the person's Entra token through the Teams SDK, trades it for a
// Mattermost session, and sends the frame on. Any failure lands on the
// normal Mattermost login, with the reason in the console on one line.
(function () {
  'use strict';
  var root = document.getElementById('tab');
  var cfg = {
    exchangeURL: root.dataset.exchangeUrl,
    loginURL: root.dataset.loginUrl,
    tenantID: (root.dataset.tenantId || '').toLowerCase(),
    validOrigins: (root.dataset.validOrigins || '').split(' ').filter(Boolean)
  };
  var STUCK_AFTER_MS = 15000;
  var TOKEN_TRIES = 3;

  var stuckTimer = setTimeout(function () {
    document.getElementById('stuck').hidden = false;
  }, STUCK_AFTER_MS);

  var EXPLAIN_MS = 3000;

  // fallback goes to Mattermost's own login. When the server refused the
  // Microsoft sign-in, the person is told so first, briefly.
  function fallback(reason, explain) {
    clearTimeout(stuckTimer);
    console.warn('Mattermost tab sign-in fell back to the login page: ' + reason);
    if (!explain) {
      window.location.replace(cfg.loginURL);
      return;
    }
    document.getElementById('status').hidden = true;
    document.getElementById('refused').hidden = false;
    setTimeout(function () { window.location.replace(cfg.loginURL); }, EXPLAIN_MS);
  }

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)MMCSRF=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : '';
  }

  function tokenWithRetries(tries) {
    return microsoftTeams.authentication.getAuthToken().catch(function (err) {
      if (tries <= 1) { throw err; }
      return new Promise(function (resolve) { setTimeout(resolve, 500); })
        .then(function () { return tokenWithRetries(tries - 1); });
    });
  }

  function exchange(token, subPageId) {
    return fetch(cfg.exchangeURL, {
      method: 'POST',
      credentials: 'include',
      headers: {
        'Content-Type': 'application/json',
        'X-Requested-With': 'XMLHttpRequest',
        'X-CSRF-Token': csrfToken()
      },
      body: JSON.stringify({ token: token, subPageId: subPageId || '' })
    }).then(function (r) {
      if (!r.ok) {
        var err = new Error('the server refused the sign-in (HTTP ' + r.status + ')');
        err.refused = r.status === 401;
        throw err;
      }
      return r.json();
    });
  }

  if (typeof microsoftTeams === 'undefined') {
    fallback('the Teams SDK did not load');
    return;
  }
  if (window.parent === window && !window.opener) {
    fallback('the page was opened outside a Microsoft host');
    return;
  }
  var INIT_TIMEOUT_MS = 10000;
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
      return exchange(token, ctx.page && ctx.page.subPageId);
    })
    .then(function (result) {
      clearTimeout(stuckTimer);
      microsoftTeams.app.notifySuccess();
      window.location.replace(result.redirect);
    })
    .catch(function (err) {
      if (microsoftTeams.app.isInitialized && microsoftTeams.app.isInitialized()) {
        microsoftTeams.app.notifySuccess();
      }
      fallback(err && err.message ? err.message : String(err), Boolean(err && err.refused));
    });
}());
