/* The ticket page's service worker (issue 10), served as /t/sw.js so its scope is /t/: shows the
 * Web Push the server sends (few people ahead, called) as a notification, and tells open ticket
 * pages. No data is kept here. */
"use strict";

function texts(d) {
  if (d.type === "called") {
    return { title: "Mời số " + d.number + " / Number " + d.number,
             body: "Mời đến quầy " + d.counter + ". Please go to counter " + d.counter + "." };
  }
  return { title: "Số " + d.number + " / Number " + d.number,
           body: "Còn " + d.ahead + " người trước bạn. " + d.ahead + " ahead of you." };
}

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("push", function (event) {
  var d = {};
  try { d = event.data ? event.data.json() : {}; } catch (e) { d = {}; }
  var tx = texts(d);
  event.waitUntil(Promise.all([
    self.registration.showNotification(tx.title, { body: tx.body, tag: "xephang-" + d.number,
                                                   renotify: true, requireInteraction: d.type === "called" })
      .catch(function () { /* no permission: the open page still hears it */ }),
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
      list.forEach(function (c) { c.postMessage({ xephangPush: d, text: tx.title + " — " + tx.body }); });
    })
  ]));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (list) {
    if (list.length) return list[0].focus();
    return undefined;
  }));
});
