// The popup's link confirmation: on the person's click, posts the
// confirmation with the session's CSRF token and hands the one-time code
// to the tab through the Microsoft host, which closes the popup. It offers
// the click only inside a Microsoft host signed in as the person the flow
// started for: another app that opens this page in someone else's host,
// with a flow of its own, gets nothing to confirm.
(function () {
  'use strict';
  var root = document.getElementById('link');
  var origins = (root.dataset.validOrigins || '').split(' ').filter(Boolean);
  var $ = function (id) { return document.getElementById(id); };
  var ready = typeof microsoftTeams === 'undefined'
    ? Promise.reject(new Error('no Teams SDK'))
    : microsoftTeams.app.initialize(origins);

  function fail(reason) {
    ready.then(function () { microsoftTeams.authentication.notifyFailure(reason); }, function () { window.close(); });
  }

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)MMCSRF=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : '';
  }

  if ($('link-relogin')) {
    // The session this browser had cannot confirm a link: it ends here,
    // and the person signs in again for the link.
    $('link-relogin').addEventListener('click', function () {
      $('link-relogin').disabled = true;
      fetch(root.dataset.logoutUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-CSRF-Token': csrfToken(), 'X-Requested-With': 'XMLHttpRequest' }
      }).catch(function () {}).then(function () { window.location.assign(root.dataset.loginUrl); });
    });
  }
  if ($('link-close')) {
    $('link-close').addEventListener('click', function () { fail('not_linked'); });
    return;
  }
  $('link-cancel').addEventListener('click', function () { fail('CancelledByUser'); });
  ready.then(function () { return microsoftTeams.app.getContext(); }).then(function (ctx) {
    var user = (ctx && ctx.user) || {};
    var oid = String(user.id || '').toLowerCase();
    var tid = String((user.tenant && user.tenant.id) || '').toLowerCase();
    if (oid !== root.dataset.flowObject || tid !== root.dataset.flowTenant) {
      throw new Error('the host is signed in as another person');
    }
    $('link-confirm').disabled = false;
  }).catch(function (err) {
    console.warn('Mattermost link confirmation refused: ' + (err && err.message ? err.message : String(err)));
    $('link-mismatch').hidden = false;
    $('link-confirm').hidden = true;
  });
  $('link-confirm').addEventListener('click', function () {
    $('link-confirm').disabled = true;
    fetch(root.dataset.confirmUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken() },
      body: JSON.stringify({ flow: root.dataset.flow })
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok || !body.code) { throw new Error(body.error || 'HTTP ' + r.status); }
        return ready.then(function () { microsoftTeams.authentication.notifySuccess(body.code); });
      });
    }).catch(function (err) {
      $('link-error').textContent = err && err.message ? err.message : String(err);
      $('link-error').hidden = false;
      $('link-confirm').disabled = false;
    });
  });
}());
