// Stand-in for the Mattermost web app, on the real REST API and websocket:
// who is signed in through the session cookie, or a login form; the
// person's channels, the latest messages of one (permalinks land on
// theirs), a box to post, and live updates.
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

  // The path below the site, split: /<team>/channels/<name>,
  // /<team>/pl/<post>, /_redirect/pl/<post>.
  var sitePath = new URL(base).pathname.replace(/\/$/, '');
  function route() {
    var rest = window.location.pathname.slice(sitePath.length).split('/').filter(Boolean);
    var r = { team: rest[0] || '', channel: '', post: '' };
    if (rest[1] === 'channels') { r.channel = rest[2] || ''; }
    if (rest[1] === 'pl') { r.post = rest[2] || ''; }
    if (r.team === '_redirect') { r.team = ''; }
    return r;
  }

  var state = { me: null, channel: null, users: {}, socket: null };

  function json(r) { return r.ok ? r.json() : Promise.reject(r.status); }

  function status(text) { $('client-status').textContent = text || ''; }

  // Fills in the usernames of ids not seen yet.
  function learnUsers(ids) {
    var unknown = ids.filter(function (id) { return id && !state.users[id]; });
    if (!unknown.length) { return Promise.resolve(); }
    return api('POST', '/users/ids', unknown).then(json).then(function (users) {
      users.forEach(function (u) { state.users[u.id] = u; });
    });
  }

  function channelLabel(ch) {
    if (ch.type === 'D') {
      var other = ch.name.split('__').filter(function (id) { return id !== state.me.id; })[0] || state.me.id;
      return '@' + (state.users[other] ? state.users[other].username : other);
    }
    return ch.display_name || ch.name;
  }

  function showUser(user) {
    state.me = user;
    $('login-form').hidden = true;
    $('signed-in').hidden = false;
    $('signed-in-user').textContent = '@' + user.username;
    $('signed-in-email').textContent = '(' + user.email + ')';
    var r = route();
    var wanted = r.post ? api('GET', '/posts/' + encodeURIComponent(r.post)).then(json).catch(function () { return null; }) : Promise.resolve(null);
    Promise.all([api('GET', '/users/me/teams').then(json).catch(function () { return []; }), wanted]).then(function (got) {
      var teams = got[0], post = got[1];
      var list = $('teams');
      list.textContent = '';
      teams.forEach(function (t) {
        var li = document.createElement('li');
        li.textContent = t.display_name;
        list.appendChild(li);
      });
      if (r.post && !post) { status('That message is not there, or you may not read it.'); }
      var team = teams.filter(function (t) { return t.name === r.team; })[0] || teams[0];
      if (team) { loadChannels(team, r.channel, post); }
    });
    listen();
  }

  function loadChannels(team, channelName, post) {
    api('GET', '/users/me/teams/' + team.id + '/channels').then(json).then(function (channels) {
      var dmUsers = [];
      channels.forEach(function (ch) { if (ch.type === 'D') { dmUsers = dmUsers.concat(ch.name.split('__')); } });
      return learnUsers(dmUsers).then(function () { return channels; });
    }).then(function (channels) {
      channels.sort(function (a, b) { return channelLabel(a).localeCompare(channelLabel(b)); });
      var list = $('channels');
      list.textContent = '';
      channels.forEach(function (ch) {
        var li = document.createElement('li');
        var b = document.createElement('button');
        b.type = 'button';
        b.textContent = channelLabel(ch);
        b.dataset.channelId = ch.id;
        b.addEventListener('click', function () { selectChannel(ch, ''); });
        li.appendChild(b);
        list.appendChild(li);
      });
      var pick = channels.filter(function (ch) { return post ? ch.id === post.channel_id : ch.name === channelName; })[0] ||
        channels.filter(function (ch) { return ch.name === 'town-square'; })[0] || channels[0];
      if (post && (!pick || pick.id !== post.channel_id)) {
        // A direct message lives outside the team's list of channels.
        api('GET', '/channels/' + post.channel_id).then(json).then(function (ch) {
          return learnUsers(ch.type === 'D' ? ch.name.split('__') : []).then(function () { selectChannel(ch, post.id); });
        });
        return;
      }
      if (pick) { selectChannel(pick, post ? post.id : ''); }
    }).catch(function () { status('The channels could not be read.'); });
  }

  function selectChannel(ch, highlight) {
    state.channel = ch;
    $('channel-name').textContent = channelLabel(ch);
    Array.prototype.forEach.call($('channels').querySelectorAll('button'), function (b) {
      b.setAttribute('aria-current', b.dataset.channelId === ch.id ? 'true' : 'false');
    });
    $('post-form').hidden = false;
    $('posts').textContent = '';
    api('GET', '/channels/' + ch.id + '/posts?per_page=50').then(json).then(function (list) {
      var posts = list.order.map(function (id) { return list.posts[id]; }).reverse();
      return learnUsers(posts.map(function (p) { return p.user_id; })).then(function () {
        if (state.channel.id !== ch.id) { return; }
        posts.forEach(showPost);
        var target = highlight && $('posts').querySelector('[data-post-id="' + highlight + '"]');
        if (target) {
          target.classList.add('highlight');
          target.scrollIntoView({ block: 'center' });
        }
      });
    }).catch(function () { status('The messages could not be read.'); });
  }

  // Adds a post, once; its text is shown as text, never as markup.
  function showPost(p) {
    if ($('posts').querySelector('[data-post-id="' + p.id + '"]')) { return; }
    var li = document.createElement('li');
    li.dataset.postId = p.id;
    var who = document.createElement('span');
    who.className = 'author';
    who.textContent = '@' + (state.users[p.user_id] ? state.users[p.user_id].username : p.user_id);
    var text = document.createElement('span');
    text.className = 'message';
    text.textContent = p.message;
    li.appendChild(who);
    li.appendChild(text);
    $('posts').appendChild(li);
  }

  // Live updates over Mattermost's websocket, authenticated by the
  // session cookie.
  function listen() {
    if (state.socket) { return; }
    var ws = new WebSocket(base.replace(/^http/, 'ws') + '/api/v4/websocket');
    state.socket = ws;
    ws.onmessage = function (m) {
      var ev;
      try { ev = JSON.parse(m.data); } catch (e) { return; }
      if (ev.event !== 'posted' || !ev.data || !ev.data.post) { return; }
      var p = JSON.parse(ev.data.post);
      if (state.channel && p.channel_id === state.channel.id) {
        learnUsers([p.user_id]).then(function () { showPost(p); });
      }
    };
    ws.onclose = function () {
      state.socket = null;
      if (state.me) { setTimeout(listen, 2000); }
    };
  }

  $('post-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var message = $('post-message').value;
    if (!state.channel || !message.trim()) { return; }
    api('POST', '/posts', { channel_id: state.channel.id, message: message }).then(json).then(function (p) {
      $('post-message').value = '';
      showPost(p);
    }).catch(function () { status('The message could not be sent.'); });
  });

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
    api('POST', '/users/logout').then(function () {
      state.me = null;
      if (state.socket) { state.socket.close(); }
      showLogin();
    });
  });

  refresh();
}());
