/* global document, window, FormData */
'use strict';
// The page script. Cached pages hold only what the segment decides; what belongs to one visitor
// (the greeting, the postal code in the form) comes from the Session Manager API, and changes go
// through it too, as VTEX storefronts do: PATCH /api/sessions, then reload with the new segment.

const API = '/api/sessions';

async function patchPublic(items) {
  const body = { public: {} };
  for (const [key, value] of Object.entries(items)) body.public[key] = { value };
  const res = await fetch(API, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  if (!res.ok) {
    const answer = await res.json().catch(() => ({}));
    throw new Error(answer.message ?? `the session could not be updated (${res.status})`);
  }
}

/** Runs `update` on submit, then reloads the page so that the server renders the new segment. */
function onSubmit(form, update) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = form.querySelector('.form-error');
    try {
      await update(new FormData(form));
      window.location.reload();
    } catch (e) {
      if (error) error.textContent = e.message;
    }
  });
}

function showAccount(view) {
  const ns = view.namespaces ?? {};
  const value = (name, key) => ns[name]?.[key]?.value ?? '';
  const name = value('profile', 'isAuthenticated') === 'true' ? value('profile', 'firstName') || value('profile', 'email') : '';
  const admin = value('authentication', 'adminUserEmail');
  const account = document.getElementById('account');
  if (account && (name || admin)) {
    const greeting = document.createElement('span');
    greeting.className = 'greeting';
    greeting.textContent = admin ? `Admin ${admin}${name ? `, browsing as ${name}` : ''}` : `Hello, ${name}`;
    const logout = document.createElement('form');
    logout.method = 'post';
    logout.action = '/logout';
    const button = document.createElement('button');
    button.type = 'submit';
    button.textContent = 'Log out';
    logout.append(button);
    account.replaceChildren(greeting, logout);
  }
  const region = document.getElementById('region-form');
  if (region) {
    if (value('public', 'country')) region.elements.country.value = value('public', 'country');
    region.elements.postalCode.value = value('public', 'postalCode');
  }
}

document.addEventListener('DOMContentLoaded', () => {
  const region = document.getElementById('region-form');
  if (region) {
    onSubmit(region, (data) => patchPublic({ country: data.get('country'), postalCode: String(data.get('postalCode')).trim() }));
  }
  const impersonate = document.getElementById('impersonate-form');
  if (impersonate) onSubmit(impersonate, (data) => patchPublic({ 'vtex-impersonated-customer-email': data.get('email') }));

  const items = 'profile.isAuthenticated,profile.firstName,profile.email,authentication.adminUserEmail,public.country,public.postalCode';
  fetch(`${API}?items=${items}`, { credentials: 'same-origin' })
    .then((res) => (res.ok ? res.json() : {}))
    .then(showAccount, () => undefined);
});
