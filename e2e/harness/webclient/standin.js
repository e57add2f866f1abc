// Stand-in for the Mattermost web app: shows who is signed in through the
// session cookie, or a login form, using the real REST API.
(function () {
  'use strict';
  var script = document.currentScript;
  // Works under a subpath: the API lives next to /static/.
  var base = script.src.replace(/\/static\/standin\.js(\?.*)?$/, '');
  var $ = function (id) { return document.getElementById(id); };

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)MMCSRF=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : '';
  }

  function api(method, path, body) {
    return fetch(base + '/api/v4' + path, {
      method: method,
      credentials: 'include',
      headers: {
        'Content-Type': 'application/json',
        'X-Requested-With': 'XMLHttpRequest',
        'X-CSRF-Token': csrfToken()
      },
      body: body ? JSON.stringify(body) : undefined
    });
  }

  function showLogin(message) {
    $('signed-in').hidden = true;
    $('login-form').hidden = false;
    $('login-error').textContent = message || '';
  }

  function showUser(user) {
    $('login-form').hidden = true;
    $('signed-in').hidden = false;
    $('signed-in-user').textContent = '@' + user.username;
    $('signed-in-email').textContent = '(' + user.email + ')';
    api('GET', '/users/me/teams').then(function (r) { return r.ok ? r.json() : []; }).then(function (teams) {
      var list = $('teams');
      list.textContent = '';
      teams.forEach(function (t) {
        var li = document.createElement('li');
        li.textContent = t.display_name;
        list.appendChild(li);
      });
    });
  }

  function refresh() {
    api('GET', '/users/me').then(function (r) {
      if (!r.ok) { showLogin(); return; }
      return r.json().then(showUser);
    }).catch(function () { showLogin('The server did not answer.'); });
  }

  // After a login, go where the login was asked from, if that is a path on
  // this server, as Mattermost's redirect_to does.
  function afterLogin() {
    var next = new URLSearchParams(window.location.search).get('redirect_to');
    if (next && next.charAt(0) === '/' && next.charAt(1) !== '/' && next.indexOf('\\') < 0) {
      window.location.assign(next);
      return;
    }
    refresh();
  }

  // In a frame, Mattermost asks its parent to run single sign-on outside
  // the frame, since identity providers refuse to be framed.
  if (window.parent !== window) {
    $('sso-login').hidden = false;
    $('sso-login').addEventListener('click', function () {
      window.parent.postMessage({ type: 'mattermost_external_auth_login', href: base + '/login?sso=1' }, window.location.origin);
    });
  }

  $('login-form').addEventListener('submit', function (e) {
    e.preventDefault();
    api('POST', '/users/login', { login_id: $('login-id').value, password: $('login-password').value })
      .then(function (r) {
        if (r.ok) { afterLogin(); return; }
        return r.json().then(function (err) { showLogin(err.message || 'Login failed.'); });
      })
      .catch(function () { showLogin('The server did not answer.'); });
  });

  $('logout').addEventListener('click', function () {
    api('POST', '/users/logout').then(function () { showLogin(); });
  });

  refresh();
}());
