'use strict';
// Login, logout and the session panel: pages about one visitor, never cached.
const express = require('express');
const { segmentCacheKey } = require('vtex-session');
const { userByEmail, logIn, logOut } = require('../commerce');
const { loginPage, sessionPage } = require('../views/account');

function accountRoutes() {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '2kb' });

  router.get('/login', (req, res) => {
    res.send(String(loginPage(req)));
  });

  // The cookies are SameSite=Lax, so another site cannot post these forms with the visitor's session.
  router.post('/login', form, async (req, res) => {
    const user = userByEmail(req.body?.email);
    if (user === undefined) {
      res.status(400).send(String(loginPage(req, { error: 'Unknown user.' })));
      return;
    }
    await logIn(req.vtexSession, user);
    res.redirect(303, '/');
  });

  router.post('/logout', async (req, res) => {
    await logOut(req.vtexSession);
    res.redirect(303, '/');
  });

  router.get('/session', (req, res) => {
    res.send(String(sessionPage(req, segmentCacheKey(req.vtexSegment))));
  });

  return router;
}

module.exports = { accountRoutes };
