// Signing in through the server's built-in development provider (/local-idp/, development
// mode: a form with a name and an e-mail address), from a browser page or from plain Node.

/** In a page: goes through "Se connecter" and the development sign-in form, back to returnPath. */
export async function signInPage(page, serverUrl, name, email, returnPath = '/') {
  await page.goto(`${serverUrl}/auth/login?return=${encodeURIComponent(returnPath)}`);
  await page.getByLabel('Nom affiché').fill(name);
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByRole('button', { name: /Se connecter/ }).click();
  await page.waitForURL((u) => u.pathname === returnPath, { timeout: 10_000 });
}

/** A cookie jar and fetch that follows redirects by hand, keeping cookies (one origin). */
function client(serverUrl) {
  const jar = new Map();
  const keep = (res) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i).trim(), pair.slice(i + 1));
    }
  };
  const cookie = () => [...jar].filter(([, v]) => v !== '').map(([k, v]) => `${k}=${v}`).join('; ');
  return async function go(path, init = {}) {
    let url = new URL(path, serverUrl).toString();
    for (let hops = 0; hops < 10; hops++) {
      const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), cookie: cookie() } });
      keep(res);
      const loc = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !loc) return res;
      url = new URL(loc, url).toString();
      init = {};
    }
    throw new Error('too many redirects');
  };
}

/** Signs in from Node; returns fetch bound to the session (cookies kept). */
export async function signInFetch(serverUrl, name = 'Test User', email = 'test.user@example.gouv.fr') {
  const go = client(serverUrl);
  const page = await go('/auth/login?return=/');
  const html = await page.text();
  const id = html.match(/name="id" value="([^"]+)"/)?.[1];
  if (!id) throw new Error(`development sign-in form not found:\n${html.slice(0, 500)}`);
  const res = await go(new URL('/local-idp/login', serverUrl).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ id, name, email }).toString(),
  });
  const me = await go('/api/v1/me', { headers: { accept: 'application/json' } });
  if (me.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}; me ${me.status}`);
  return go;
}

/** Creates a room as a freshly signed-in user (access: public by default, for media tests). */
export async function createRoom(serverUrl, { access = 'public', name = '' } = {}) {
  const go = await signInFetch(serverUrl);
  const res = await go('/api/v1/rooms', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ access, name }) });
  if (res.status !== 201) throw new Error(`create room: ${res.status} ${await res.text()}`);
  return res.json();
}
