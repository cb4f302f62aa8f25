// Swagger UI of a running imserver, in Debian's chromium driven by playwright-core.
// Env: GATE_BASE (server URL), GATE_APP_ID, GATE_TOKEN (a user token), GATE_ADMIN_TOKEN and
// GATE_USER_ID (the app admin token and the user's id), GATE_SHOTS (screenshot dir).
// Opens /swagger, authorizes once with app_id and the user's access-token, runs "Try it out" on
// GET /user/profile and on POST /group/create (JSON body); then authorizes with the app admin
// token and act_as_user (the user_id header) and runs GET /user/profile again (the README's
// first steps).
// Each time it asserts that the response panel shows HTTP 200 and envelope code 200. Prints one
// JSON line with what it saw (the caller checks the resulting state through the API).
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const base = process.env.GATE_BASE;
const appId = process.env.GATE_APP_ID;
const token = process.env.GATE_TOKEN;
const shots = process.env.GATE_SHOTS;
const adminToken = process.env.GATE_ADMIN_TOKEN;
const userId = process.env.GATE_USER_ID;
const groupName = process.env.GATE_GROUP_NAME || 'made in Swagger UI';
for (const [k, v] of Object.entries({ base, appId, token, adminToken, userId, shots })) {
  if (!v) throw new Error(`missing ${k}`);
}
fs.mkdirSync(shots, { recursive: true });

const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'imserver-gate-chromium-'));
const ctx = await chromium.launchPersistentContext(profileDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
  viewport: { width: 1400, height: 1000 },
  timeout: 60_000,
});
const seen = { requests: [] };
let page;
try {
  page = ctx.pages()[0] || (await ctx.newPage());
  page.setDefaultTimeout(30_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Swagger UI must not need the network beyond the server itself.
  await page.route('**/*', (route) =>
    route.request().url().startsWith(base) || route.request().url().startsWith('data:')
      ? route.continue() : route.abort());
  page.on('request', (r) => {
    if (r.url().startsWith(base) && !r.url().includes('/swagger')) {
      const h = r.headers();
      seen.requests.push({ method: r.method(), url: r.url().slice(base.length),
        app_id: h['app_id'] ?? null, user_id: h['user_id'] ?? null,
        token: h['access-token'] === token ? 'user' : h['access-token'] === adminToken ? 'admin' : null });
    }
  });

  await page.goto(`${base}/swagger`, { waitUntil: 'load' });
  await page.locator('.swagger-ui .information-container .title').first().waitFor();
  await page.locator('.opblock').first().waitFor();
  seen.title = (await page.locator('.swagger-ui .information-container .title').first().innerText()).trim();
  await page.screenshot({ path: path.join(shots, '1-swagger.png') });

  // Authorize, once per identity: the apiKey (header) schemes app_id, access-token and, for the
  // admin acting as a user, act_as_user. Operations need no identity parameters of their own.
  async function authorize(values, shot) {
    await page.locator('.scheme-container button.authorize').click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.waitFor();
    for (const [name, value] of Object.entries(values)) {
      const scheme = dialog.locator('.auth-container').filter({ has: page.locator('h4', { hasText: new RegExp(`^\\s*${name}\\b`) }) });
      const logout = scheme.locator('button:has-text("Logout")');
      if (await logout.count()) await logout.click();
      await scheme.locator('input[type=text], input[type=password], input:not([type])').first().fill(value);
      await scheme.locator('button.authorize, button:has-text("Authorize")').first().click();
      await logout.waitFor();
    }
    if (shot) await page.screenshot({ path: path.join(shots, shot) });
    await dialog.locator('button.btn-done, button:has-text("Close")').first().click();
    await dialog.waitFor({ state: 'detached' });
  }
  await authorize({ app_id: appId, 'access-token': token }, '2-authorize.png');

  // One operation block: method + path (the first one when it appears under several tags).
  const opblock = (method, p) =>
    page.locator(`.opblock.opblock-${method}`)
      .filter({ has: page.locator(`.opblock-summary-path[data-path="${p}"]`) }).first();

  async function tryOut(method, p, { body, shot, again = false }) {
    const op = opblock(method, p);
    await op.scrollIntoViewIfNeeded();
    if (!again) {
      await op.locator('.opblock-summary').first().click();
      await op.locator('button.try-out__btn').click();
    }
    if (body !== undefined) {
      const ta = op.locator('textarea.body-param__text');
      await ta.fill(JSON.stringify(body, null, 2));
    }
    await op.locator('button.execute').click();
    const live = op.locator('.responses-wrapper .live-responses-table');
    const status = live.locator('tbody .response .response-col_status').first();
    await status.waitFor();
    const bodyText = await live.locator('.response-col_description .highlight-code pre')
      .first().innerText();
    await live.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: path.join(shots, shot), fullPage: false });
    await op.screenshot({ path: path.join(shots, shot.replace('.png', '-block.png')) });
    let envelope;
    try { envelope = JSON.parse(bodyText); } catch { envelope = null; }
    const result = { method, path: p, status: (await status.innerText()).trim(), envelope, raw: envelope ? undefined : bodyText };
    if (result.status !== '200') throw new Error(`${method} ${p}: response panel shows HTTP ${result.status}: ${bodyText}`);
    if (!envelope || envelope.code !== 200) throw new Error(`${method} ${p}: response panel shows ${bodyText}`);
    return result;
  }

  seen.profile = await tryOut('get', '/user/profile', { shot: '3-get-user-profile.png' });
  seen.create = await tryOut('post', '/group/create', {
    body: { name: groupName, description: 'Try it out', type: 0, user_list: [] },
    shot: '4-post-group-create.png',
  });
  await authorize({ 'access-token': adminToken, act_as_user: userId });
  seen.admin_profile = await tryOut('get', '/user/profile', {
    again: true, shot: '5-get-user-profile-as-admin.png',
  });
  seen.page_errors = errors;
  console.log(JSON.stringify(seen));
} catch (e) {
  if (page) await page.screenshot({ path: path.join(shots, 'failure.png'), fullPage: true }).catch(() => {});
  console.error(`swagger: ${e.stack || e}`);
  console.error(`requests seen: ${JSON.stringify(seen.requests)}`);
  process.exitCode = 1;
} finally {
  await ctx.close();
  fs.rmSync(profileDir, { recursive: true, force: true });
}
