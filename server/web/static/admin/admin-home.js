/* The administration home: the section cards (the shared start shows them once the user is known). */
(function () {
  "use strict";
  window.XephangAdmin.start();
})();
