// The last page of an external login in the host's popup: hands the
// one-time code to the tab through the Microsoft host, which closes the popup.
(function () {
  'use strict';
  var root = document.getElementById('complete');
  var code = root.dataset.code;
  var origins = (root.dataset.validOrigins || '').split(' ').filter(Boolean);
  if (typeof microsoftTeams === 'undefined') { return; }
  microsoftTeams.app.initialize(origins).then(function () {
    if (code) {
      microsoftTeams.authentication.notifySuccess(code);
    } else {
      microsoftTeams.authentication.notifyFailure('not_signed_in');
    }
  });
}());
