// Conformance scenario: drives the impops impCentral v5 emulator with the official
// Electric Imp Node client, npm imp-central-api@1.7.0, through its public API only.
//
// Output: one JSON line per check on stdout,
//     {"check": "<area>.<name>", "ok": true|false, "detail": ...}
// The exit status is non-zero when any check failed.
//
// Environment:
//     EMULATOR_V5_URL      e.g. http://127.0.0.1:18080/v5 (must be a loopback address)
//     EMULATOR_BASE_URL    e.g. http://127.0.0.1:18080 (admin endpoints live under /_emulator/)
//     IMPOPS_SEED_LOGIN_KEY, IMPOPS_SEED_USERNAME, IMPOPS_SEED_EMAIL, IMPOPS_SEED_PASSWORD,
//     IMPOPS_SEED_UNBOND_KEY   the default seed's account (defaults below)
//     IMPOPS_SEED_DEVICES      number of seeded unassigned devices (default 8)
//     IMPOPS_SEED_OTP_*        a second seeded account with two-factor login and no production
//                              permission (tests/conformance/test_node_client.py adds it)
//     EMULATOR_GROUP_DELETE    the emulator's --group-delete mode: keep (default) or cascade
//     CHECK_TIMEOUT_MS         per-check timeout (default 20000)
//
// Run it through pytest (`pytest tests/conformance`), which starts a fresh emulator with the
// right seed. The scenario expects that fresh state: it counts devices, groups and deployments.
//
// Expectations come from /work/shared/reference/impcentral-api.md (section numbers are
// quoted next to the checks), from the official client's own Jasmine suite ([SPEC],
// electricimp/imp-central-api spec/*.spec.js, which ran against the real cloud), and from
// docs/emulator.md for the points the reference leaves open.

'use strict';

const crypto = require('crypto');
const ImpCentralApi = require('imp-central-api');

const { DeviceGroups, Deployments, Devices, Products, Webhooks, LogStreams } = ImpCentralApi;
const { ImpCentralApiError, InvalidDataError } = ImpCentralApi.Errors;

const V5_URL = (process.env.EMULATOR_V5_URL || '').replace(/\/+$/, '');
const BASE_URL = (process.env.EMULATOR_BASE_URL || V5_URL.replace(/\/v5$/, '')).replace(/\/+$/, '');
const SEED = {
    loginKey: process.env.IMPOPS_SEED_LOGIN_KEY || '0123456789abcdef',
    username: process.env.IMPOPS_SEED_USERNAME || 'operator',
    email: process.env.IMPOPS_SEED_EMAIL || 'operator@example.com',
    password: process.env.IMPOPS_SEED_PASSWORD || 'impops-demo',
    devices: Number(process.env.IMPOPS_SEED_DEVICES || 8),
    unbondKey: process.env.IMPOPS_SEED_UNBOND_KEY || 'impops-demo-unbond-key',
    // second account: two-factor login, not production-enabled
    otpUsername: process.env.IMPOPS_SEED_OTP_USERNAME || 'otp-operator',
    otpPassword: process.env.IMPOPS_SEED_OTP_PASSWORD || 'impops-otp-demo',
    otpSecret: process.env.IMPOPS_SEED_OTP_SECRET || 'JBSWY3DPEHPK3PXP',
    otpLoginKey: process.env.IMPOPS_SEED_OTP_LOGIN_KEY || 'aaaabbbbccccdddd',
};

// Real server texts ([IMPT] spec/MessageHelper.js, reference section 8).
const MSG = {
    duplicateProduct: 'Duplicate Resource: Products must have unique names.',
    duplicateDeviceGroup: 'Duplicate Resource: Devicegroups must have unique names.',
    dependentDeviceGroups:
        'Dependent Devicegroups Exist: Cannot delete a product with associated devicegroups.',
    flaggedDeployment:
        'Resource Flagged: You cannot delete flagged deployments; ' +
        'set the flagged attribute to false and try again.',
    invalidUrl: 'Invalid URL: The provided URL is invalid.',
    embeddedNul: 'Invalid Character: The value may not contain embedded NUL',
    accountLimit: 'Account Limit Reached',
    invalidPermission: 'Invalid Permission',
};

const CHECK_TIMEOUT_MS = Number(process.env.CHECK_TIMEOUT_MS || 20000);
// the emulator's --group-delete mode (docs/emulator.md decision 6): keep (default) or cascade
const GROUP_DELETE = process.env.EMULATOR_GROUP_DELETE || 'keep';
const UNKNOWN_UUID = '00000000-dead-beef-0000-000000000000';
const UNKNOWN_DEVICE = 'ffffffffffffffff';
const RE = {
    uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    deviceId: /^[0-9a-f]{16}$/,
    loginKey: /^[0-9a-f]{16}$/,
    sha: /^[0-9a-f]{64}$/,
    hex64: /^[0-9a-f]{64}$/,
    mac: /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/,
    timestamp: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
};
const ALL_GROUP_TYPES = [
    DeviceGroups.TYPE_DEVELOPMENT,
    DeviceGroups.TYPE_PRE_PRODUCTION,
    DeviceGroups.TYPE_PRODUCTION,
    DeviceGroups.TYPE_PRE_DUT,
    DeviceGroups.TYPE_DUT,
    DeviceGroups.TYPE_PRE_FACTORY_FIXTURE,
    DeviceGroups.TYPE_FACTORY_FIXTURE,
];

// ---------------------------------------------------------------------------------------------
// Check machinery

class CheckFailure extends Error {}

let failures = 0;
const reported = new Set();

function emit(name, ok, detail) {
    if (reported.has(name)) {
        throw new Error(`check name reported twice: ${name}`);
    }
    reported.add(name);
    if (!ok) {
        failures += 1;
    }
    process.stdout.write(JSON.stringify({ check: name, ok: ok, detail: detail === undefined ? null : detail }) + '\n');
}

function describeError(err) {
    if (err instanceof ImpCentralApiError) {
        return { error: 'ImpCentralApiError', message: err.message, statusCode: err.statusCode, body: err.body };
    }
    if (err instanceof CheckFailure) {
        return err.message;
    }
    return { error: err && err.constructor ? err.constructor.name : 'Error', message: String(err && err.message), stack: err && err.stack ? String(err.stack).split('\n').slice(0, 4).join(' | ') : null };
}

// Runs one check. fn returns the success detail or throws (CheckFailure for a failed
// expectation, anything else for an unexpected error). Returns fn's value, or undefined.
async function check(name, fn) {
    let timer = null;
    const timeout = new Promise((resolve, reject) => {
        timer = setTimeout(() => reject(new CheckFailure(`check timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    });
    try {
        const detail = await Promise.race([fn(), timeout]);
        emit(name, true, detail === undefined ? null : detail);
        return detail;
    } catch (err) {
        emit(name, false, describeError(err));
        return undefined;
    } finally {
        clearTimeout(timer);
    }
}

function assert(cond, message) {
    if (!cond) {
        throw new CheckFailure(typeof message === 'function' ? message() : message);
    }
}

function assertEqual(actual, expected, what) {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    assert(a === e, () => `${what}: expected ${e}, got ${a}`);
}

function short(value) {
    const text = JSON.stringify(value);
    return text && text.length > 600 ? text.slice(0, 600) + '…' : text;
}

// Expects `promise` to reject with ImpCentralApiError. `status` is a number or an array of
// acceptable numbers; `message` the exact message ("<title>: <detail>").
async function expectApiError(promise,
    { status = null, message = null, startsWith = null, contains = null, elementStatus = null } = {}) {
    let result;
    try {
        result = await promise;
    } catch (err) {
        if (!(err instanceof ImpCentralApiError)) {
            throw new CheckFailure(`expected ImpCentralApiError, got ${err && err.constructor && err.constructor.name}: ${err && err.message}`);
        }
        const statuses = status === null ? null : [].concat(status);
        assert(statuses === null || statuses.includes(err.statusCode),
            () => `expected HTTP ${statuses.join(' or ')}, got ${err.statusCode} (${err.message}); body ${short(err.body)}`);
        assert(message === null || err.message === message,
            () => `expected message ${JSON.stringify(message)}, got ${JSON.stringify(err.message)} (HTTP ${err.statusCode})`);
        assert(startsWith === null || err.message.startsWith(startsWith),
            () => `expected message starting ${JSON.stringify(startsWith)}, got ${JSON.stringify(err.message)}`);
        assert(contains === null || err.message.includes(contains),
            () => `expected message containing ${JSON.stringify(contains)}, got ${JSON.stringify(err.message)}`);
        // JSON:API error document: errors[] with status, code, title and detail (reference 8)
        const errs = err.body && err.body.errors;
        assert(Array.isArray(errs) && errs.length > 0, () => `error body has no errors[]: ${short(err.body)}`);
        for (const e of errs) {
            for (const key of ['status', 'code', 'title', 'detail']) {
                assert(e && e[key] !== undefined && e[key] !== null && e[key] !== '',
                    () => `errors[] element without ${key}: ${short(e)}`);
            }
        }
        const wanted = elementStatus === null ? err.statusCode : elementStatus;
        assert(wanted === 'any' || errs.every((e) => Number(e.status) === wanted),
            () => `errors[].status must be ${wanted}: ${short(errs.map((e) => e.status))}`);
        return { statusCode: err.statusCode, message: err.message };
    }
    throw new CheckFailure(`expected ImpCentralApiError, call succeeded with ${short(result)}`);
}

// A JSON:API single-resource document of the given type.
function assertResource(res, type, what) {
    assert(res && typeof res === 'object' && res.data && typeof res.data === 'object',
        () => `${what}: expected a {data: …} document, got ${short(res)}`);
    assertEqual(res.data.type, type, `${what} data.type`);
    assert(typeof res.data.id === 'string' && res.data.id.length > 0, () => `${what}: data.id missing`);
    assert(res.data.attributes && typeof res.data.attributes === 'object', () => `${what}: data.attributes missing`);
    return res.data;
}

// Bare {type, id} relationship (reference 3.0).
function assertRel(resource, name, type, id, what) {
    const rels = resource.relationships || {};
    assert(name in rels, () => `${what}: relationships.${name} missing (relationships ${short(rels)})`);
    const rel = rels[name];
    assert(rel && !('data' in rel), () => `${what}: relationships.${name} must be a bare {type, id}, got ${short(rel)}`);
    if (type !== null) {
        assertEqual(rel.type, type, `${what} relationships.${name}.type`);
    }
    if (id !== null) {
        assertEqual(rel.id, id, `${what} relationships.${name}.id`);
    }
}

function assertList(res, what) {
    assert(res && Array.isArray(res.data), () => `${what}: expected data[], got ${short(res)}`);
    assert(res.links && typeof res.links === 'object', () => `${what}: top-level links missing`);
    return res.data;
}

function ids(items) {
    return items.map((item) => item.id);
}

// Reference 7: list(null, 1, 1) returns exactly one item; walking the pages with page[size]=1
// visits every item once; `next` is an absolute URL while there is a next page and absent on
// the last page; `links` is always present.
async function assertPagination(listPage, expectedIds, what) {
    assert(expectedIds.length >= 2, `${what}: scenario needs at least two items to paginate`);
    const seen = [];
    let page = 1;
    for (;;) {
        const res = await listPage(page, 1);
        const items = assertList(res, `${what} page ${page}`);
        assertEqual(items.length, 1, `${what} page ${page} item count`);
        for (const key of ['self', 'first']) {
            assert(typeof res.links[key] === 'string' && res.links[key].startsWith(V5_URL + '/'),
                () => `${what} page ${page}: links.${key} must be an absolute URL, got ${short(res.links[key])}`);
        }
        seen.push(items[0].id !== undefined ? items[0].id : JSON.stringify(items[0]));
        if (!('next' in res.links)) {
            break;
        }
        const next = res.links.next;
        assert(typeof next === 'string' && next.startsWith(V5_URL + '/'),
            () => `${what} page ${page}: links.next must be an absolute URL under ${V5_URL}, got ${short(next)}`);
        page += 1;
        assert(page <= expectedIds.length + 5, () => `${what}: more pages than items (${page})`);
    }
    assertEqual(new Set(seen).size, seen.length, `${what}: distinct items over the pages`);
    assertEqual([...seen].sort(), [...expectedIds].sort(), `${what}: items visited over all pages`);
    // a stable order: the pages concatenated give the order of the one-page list
    assertEqual(seen, expectedIds, `${what}: order over the pages`);
    return { pages: page, items: seen.length };
}

function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

// RFC 6238 TOTP (HMAC-SHA1, 30 s, 6 digits) for a base32 secret: what an authenticator shows.
function totp(secret, at = Date.now()) {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    let bits = '';
    for (const ch of secret.replace(/[\s=]/g, '').toUpperCase()) {
        bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
    }
    const bytes = [];
    for (let i = 0; i + 8 <= bits.length; i += 8) {
        bytes.push(parseInt(bits.slice(i, i + 8), 2));
    }
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
    const digest = crypto.createHmac('sha1', Buffer.from(bytes)).update(counter).digest();
    const offset = digest[digest.length - 1] & 0x0f;
    const code = (digest.readUInt32BE(offset) & 0x7fffffff) % 1000000;
    return String(code).padStart(6, '0');
}

async function waitFor(predicate, timeoutMs, what) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        const value = predicate();
        if (value) {
            return value;
        }
        await sleep(25);
    }
    // `what` may be a function, so that the failure shows the state at the timeout
    throw new CheckFailure(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
}

// Admin endpoint of the emulator (outside /v5, so not through the official client).
async function admin(method, path, body) {
    const res = await fetch(BASE_URL + path, {
        method: method,
        headers: { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status < 200 || res.status >= 300) {
        throw new CheckFailure(`admin ${method} ${path} -> HTTP ${res.status}: ${text.slice(0, 300)}`);
    }
    return text ? JSON.parse(text) : null;
}

function injectLog(deviceId, msg, type = 'server.log') {
    return admin('POST', `/_emulator/devices/${deviceId}/logs`, { type: type, msg: msg });
}

// ---------------------------------------------------------------------------------------------
// Scenario state shared between the areas

const api = new ImpCentralApi(V5_URL);
const ctx = {
    accountId: null,
    refreshToken: null,
    product: null, // main product, holds one group of every type
    productB: null, // second product, one development group
    groups: {}, // type -> group id (main product)
    groupsB: {},
    extraGroups: {}, // extra production/dut groups used as new fixture targets
    deployments: {},
    webhooks: {},
    devices: [], // seeded unassigned devices (resources)
    spareProduct: null,
    logDevice: null, // assigned device used for logs and log streams
    agentIdA: null,
    agentIdB: null,
    otpProduct: null,
};

// Log the library back in as the main seeded account (the token is process-wide).
async function useMainAccount() {
    await api.auth.getAccessToken(SEED.loginKey);
}

// ---------------------------------------------------------------------------------------------
// Areas

async function authArea() {
    await check('auth.login.username_password', async () => {
        const res = await api.auth.login(SEED.username, SEED.password);
        assert(res && typeof res === 'object', () => `expected an object, got ${short(res)}`);
        assert(typeof res.access_token === 'string' && res.access_token.length > 0, 'access_token missing');
        assert(typeof res.refresh_token === 'string' && res.refresh_token.length > 0, 'refresh_token missing');
        assert(typeof res.expires_in === 'number' && res.expires_in > 0, () => `expires_in ${short(res.expires_in)}`);
        assert(typeof res.expires_at === 'string' && RE.timestamp.test(res.expires_at), () => `expires_at ${short(res.expires_at)}`);
        const skew = Date.parse(res.expires_at) - (Date.now() + res.expires_in * 1000);
        assert(Math.abs(skew) < 60000, () => `expires_at ${res.expires_at} does not match expires_in ${res.expires_in}`);
        assert(RE.hex64.test(res.refresh_token), () => `refresh_token is not 64 hex characters (reference 2.1): ${res.refresh_token.length} chars`);
        ctx.refreshToken = res.refresh_token;
        return { expires_in: res.expires_in };
    });

    await check('auth.login.email_password', async () => {
        const res = await api.auth.login(SEED.email, SEED.password);
        assert(typeof res.access_token === 'string' && res.access_token.length > 0, 'access_token missing');
        return 'ok';
    });

    await check('auth.login.wrong_password', async () =>
        expectApiError(api.auth.login(SEED.username, 'not-the-password'), { status: 401 }));

    await check('auth.login.empty_password', async () =>
        // the client checks only that id is non-empty (reference 11)
        expectApiError(api.auth.login(SEED.username, ''), { status: [400, 401] }));

    await check('auth.login_key', async () => {
        const res = await api.auth.getAccessToken(SEED.loginKey);
        assert(typeof res.access_token === 'string' && res.access_token.length > 0, 'access_token missing');
        assert(typeof res.expires_in === 'number' && res.expires_in > 0, () => `expires_in ${short(res.expires_in)}`);
        return { expires_in: res.expires_in };
    });

    await check('auth.login_key.unknown', async () =>
        expectApiError(api.auth.getAccessToken('fedcba9876543210'), { status: [400, 401] }));

    await check('auth.refresh', async () => {
        const res = await api.auth.refreshAccessToken(ctx.refreshToken);
        assert(typeof res.access_token === 'string' && res.access_token.length > 0, 'access_token missing');
        assert(typeof res.expires_in === 'number' && res.expires_in > 0, () => `expires_in ${short(res.expires_in)}`);
        assert(typeof res.expires_at === 'string', 'expires_at missing');
        // the refreshed token must work
        const me = await api.accounts.get('me');
        assertResource(me, 'account', 'accounts.get(me) with the refreshed token');
        return 'ok';
    });

    await check('auth.refresh.unknown_token', async () =>
        expectApiError(api.auth.refreshAccessToken('0'.repeat(64)), { status: [400, 401] }));

    await check('auth.refresh_tokens.list', async () => {
        const res = await api.auth.getRefreshTokens();
        const items = assertList(res, 'getRefreshTokens');
        assert(items.length > 0, 'expected at least one refresh token after login');
        assert(items.every((item) => typeof item.id === 'string' && item.id.length > 0), () => `ids ${short(items)}`);
        return { count: items.length, type: items[0].type };
    });

    await check('auth.refresh_tokens.delete', async () => {
        const before = ids(assertList(await api.auth.getRefreshTokens(), 'before'));
        const login = await api.auth.login(SEED.username, SEED.password);
        const after = ids(assertList(await api.auth.getRefreshTokens(), 'after'));
        const added = after.filter((id) => !before.includes(id));
        assertEqual(added.length, 1, 'refresh tokens added by one login');
        await api.auth.deleteRefreshToken(added[0]);
        const remaining = ids(assertList(await api.auth.getRefreshTokens(), 'after delete'));
        assert(!remaining.includes(added[0]), 'deleted refresh token still listed');
        await expectApiError(api.auth.refreshAccessToken(login.refresh_token), { status: [400, 401] });
        // access tokens issued before stay valid (reference 2.5)
        assertResource(await api.accounts.get('me'), 'account', 'accounts.get(me) after deleting the refresh token');
        return 'ok';
    });

    let loginToken = null;
    await check('auth.otp.required_403', async () => {
        const res = await expectApiError(api.auth.login(SEED.otpUsername, SEED.otpPassword), { status: 403 });
        return res;
    });

    await check('auth.otp.login', async () => {
        let body = null;
        try {
            await api.auth.login(SEED.otpUsername, SEED.otpPassword);
        } catch (err) {
            body = err.body;
        }
        const meta = body && body.errors && body.errors[0] && body.errors[0].meta;
        assert(meta && typeof meta.login_token === 'string' && meta.login_token.length > 0,
            () => `403 body must carry errors[0].meta.login_token (reference 2.2), got ${short(body)}`);
        loginToken = meta.login_token;
        const res = await api.auth.loginWithOTP(totp(SEED.otpSecret), loginToken);
        assert(typeof res.access_token === 'string' && res.access_token.length > 0, 'access_token missing');
        assert(typeof res.refresh_token === 'string', 'refresh_token missing');
        const me = assertResource(await api.accounts.get('me'), 'account', 'accounts.get(me) after OTP login');
        assertEqual(me.attributes.username, SEED.otpUsername, 'attributes.username');
        await useMainAccount();
        return 'ok';
    });

    await check('auth.otp.wrong_code', async () => {
        let body = null;
        try {
            await api.auth.login(SEED.otpUsername, SEED.otpPassword);
        } catch (err) {
            body = err.body;
        }
        const token = body.errors[0].meta.login_token;
        const wrong = totp(SEED.otpSecret) === '000000' ? '111111' : '000000';
        return expectApiError(api.auth.loginWithOTP(wrong, token), { status: [400, 401, 403] });
    });

    await check('auth.expired_token_401', async () => {
        const login = await api.auth.login(SEED.username, SEED.password);
        await admin('POST', '/_emulator/tokens/expire', {});
        const res = await expectApiError(api.products.list(), { status: 401 });
        // the client's recovery path: refresh, then retry (reference 2.4)
        await api.auth.refreshAccessToken(login.refresh_token);
        assertList(await api.products.list(), 'products.list after refresh');
        return res;
    });

    await check('auth.login.repeated_password_logins', async () => {
        // The official client's own Jasmine suite ([SPEC] spec/util.js init, run in beforeAll of
        // ten spec files, plus auth specs) logs in with the password a dozen times per run and
        // never deletes the refresh tokens; it ran green against the real cloud, so repeated
        // password logins must keep working. ([BAPI]'s "only five co-existent refresh tokens"
        // can only mean that old ones are dropped, not that logins are refused.)
        const outcomes = [];
        let lastRefresh = null;
        for (let i = 0; i < 12; i++) {
            try {
                const res = await api.auth.login(SEED.username, SEED.password);
                lastRefresh = res.refresh_token;
                outcomes.push('ok');
            } catch (err) {
                outcomes.push(err instanceof ImpCentralApiError ? `HTTP ${err.statusCode}: ${err.message}` : String(err));
            }
        }
        await useMainAccount();
        const failed = outcomes.map((o, i) => [i + 1, o]).filter(([, o]) => o !== 'ok');
        assert(failed.length === 0, () => `password logins refused: ${short(failed.slice(0, 2))} (${failed.length} of 12)`);
        const refreshed = await api.auth.refreshAccessToken(lastRefresh);
        assert(typeof refreshed.access_token === 'string', 'the newest refresh token does not work');
        const tokens = assertList(await api.auth.getRefreshTokens(), 'getRefreshTokens');
        // "only five co-existent refresh tokens" ([BAPI], reference 2.5)
        assert(tokens.length <= 5, () => `${tokens.length} refresh tokens listed after 12 logins`);
        return { logins: outcomes.length, refresh_tokens_listed: tokens.length };
    });

    await check('auth.refresh_tokens.delete_unknown_404', async () =>
        expectApiError(api.auth.deleteRefreshToken('no-such-refresh-token'), { status: 404 }));

    await check('auth.bad_token_401', async () => {
        const good = (await api.auth.getAccessToken(SEED.loginKey)).access_token;
        api.auth.accessToken = 'not-a-valid-token';
        try {
            return await expectApiError(api.products.list(), { status: 401 });
        } finally {
            api.auth.accessToken = good;
        }
    });
}

async function accountsArea() {
    await check('accounts.get_me', async () => {
        const account = assertResource(await api.accounts.get('me'), 'account', 'accounts.get(me)');
        assert(RE.uuid.test(account.id), () => `account id is not a 36-char id: ${account.id}`);
        assertEqual(account.attributes.username, SEED.username, 'attributes.username');
        assertEqual(account.attributes.email, SEED.email, 'attributes.email');
        // [SQ] reads attributes.tier; "ent…" means a paid account (reference 3.1)
        assert(typeof account.attributes.tier === 'string', () => `attributes.tier ${short(account.attributes.tier)}`);
        ctx.accountId = account.id;
        return { id: account.id };
    });

    await check('accounts.get_by_id', async () => {
        const account = assertResource(await api.accounts.get(ctx.accountId), 'account', 'accounts.get(id)');
        assertEqual(account.id, ctx.accountId, 'data.id');
        return 'ok';
    });

    await check('accounts.list', async () => {
        const items = assertList(await api.accounts.list(), 'accounts.list');
        assert(ids(items).includes(ctx.accountId), () => `own account missing from ${short(ids(items))}`);
        return { count: items.length };
    });

    await check('accounts.get_unknown_404', async () => {
        await expectApiError(api.accounts.get('wrong-id'), { status: 404 }); // as in [SPEC]
        return expectApiError(api.accounts.get(UNKNOWN_UUID), { status: 404 });
    });
}

async function loginKeysArea() {
    let keyId = null;

    await check('login_keys.list', async () => {
        const items = assertList(await api.accounts.listLoginKeys(), 'listLoginKeys');
        assert(ids(items).includes(SEED.loginKey), () => `seeded key missing from ${short(ids(items))}`);
        assert(items.every((item) => item.type === 'login_key'), () => `types ${short(items.map((i) => i.type))}`);
        return { count: items.length };
    });

    await check('login_keys.create', async () => {
        const key = assertResource(
            await api.accounts.createLoginKey(SEED.password, { description: 'conformance key' }),
            'login_key', 'createLoginKey');
        assert(RE.loginKey.test(key.id), () => `login key id is not 16 lowercase hex: ${key.id}`);
        assertEqual(key.attributes.description, 'conformance key', 'attributes.description');
        keyId = key.id;
        return { id: key.id };
    });

    await check('login_keys.create_without_description', async () => {
        // attributes may be {} (reference 2.6)
        const key = assertResource(await api.accounts.createLoginKey(SEED.password), 'login_key', 'createLoginKey');
        assert(RE.loginKey.test(key.id), () => `login key id ${key.id}`);
        await api.accounts.deleteLoginKey(key.id, SEED.password);
        return { description: key.attributes.description };
    });

    await check('login_keys.create_wrong_password', async () =>
        expectApiError(api.accounts.createLoginKey('wrong-password', { description: 'x' }), { status: [401, 403] }));

    await check('login_keys.get', async () => {
        const key = assertResource(await api.accounts.getLoginKey(keyId), 'login_key', 'getLoginKey');
        assertEqual(key.id, keyId, 'data.id');
        assertEqual(key.attributes.description, 'conformance key', 'attributes.description');
        await expectApiError(api.accounts.getLoginKey(ctx.accountId), { status: 404 }); // wrong-type id, as in [SPEC]
        return 'ok';
    });

    await check('login_keys.update', async () => {
        const key = assertResource(
            await api.accounts.updateLoginKey(keyId, SEED.password, { description: 'renamed key' }),
            'login_key', 'updateLoginKey');
        assertEqual(key.attributes.description, 'renamed key', 'attributes.description');
        const again = assertResource(await api.accounts.getLoginKey(keyId), 'login_key', 'getLoginKey');
        assertEqual(again.attributes.description, 'renamed key', 'description after re-read');
        return 'ok';
    });

    await check('login_keys.exchange_new_key', async () => {
        const res = await api.auth.getAccessToken(keyId);
        assert(typeof res.access_token === 'string' && res.access_token.length > 0, 'access_token missing');
        const me = assertResource(await api.accounts.get('me'), 'account', 'accounts.get(me) via the new key');
        assertEqual(me.id, ctx.accountId, 'account of the new key');
        // `usages` is a read-only count of exchanges (reference 2.6)
        const key = assertResource(await api.accounts.getLoginKey(keyId), 'login_key', 'getLoginKey');
        assert(typeof key.attributes.usages === 'number' && key.attributes.usages >= 1,
            () => `attributes.usages after one exchange: ${short(key.attributes.usages)}`);
        return { usages: key.attributes.usages };
    });

    await check('login_keys.pagination', async () => {
        const all = ids(assertList(await api.accounts.listLoginKeys(), 'listLoginKeys'));
        return assertPagination((n, s) => api.accounts.listLoginKeys(n, s), all, 'login keys');
    });

    await check('login_keys.account_limit', async () => {
        // impt's README: 10 login keys per account; the error contains "Account Limit Reached"
        const created = [];
        let refused = null;
        try {
            for (let i = 0; i < 12 && refused === null; i++) {
                try {
                    const res = await api.accounts.createLoginKey(SEED.password, { description: `limit ${i}` });
                    created.push(res.data.id);
                } catch (err) {
                    refused = err;
                }
            }
        } finally {
            for (const id of created) {
                await api.accounts.deleteLoginKey(id, SEED.password);
            }
        }
        const total = created.length + 2; // the seeded key and the one created above
        assert(refused !== null, `no limit: ${total} login keys were accepted`);
        await expectApiError(Promise.reject(refused), { status: [400, 403, 409], contains: MSG.accountLimit });
        return { accepted_total: total, statusCode: refused.statusCode, message: refused.message };
    });

    await check('login_keys.delete', async () => {
        assertEqual(await api.accounts.deleteLoginKey(keyId, SEED.password), undefined, 'delete response body (204)');
        await expectApiError(api.accounts.getLoginKey(keyId), { status: 404 });
        await expectApiError(api.accounts.deleteLoginKey(keyId, SEED.password), { status: 404 });
        await expectApiError(api.auth.getAccessToken(keyId), { status: [400, 401] });
        const items = ids(assertList(await api.accounts.listLoginKeys(), 'listLoginKeys'));
        assert(!items.includes(keyId), 'deleted key still listed');
        return 'ok';
    });
}

async function productsArea() {
    await check('products.create', async () => {
        const res = await api.products.create({ name: 'conformance-thermostat', description: 'Node client conformance' });
        const product = assertResource(res, 'product', 'products.create');
        assert(RE.uuid.test(product.id), () => `product id ${product.id}`);
        assertEqual(product.attributes.name, 'conformance-thermostat', 'attributes.name');
        assertEqual(product.attributes.description, 'Node client conformance', 'attributes.description');
        assert(RE.timestamp.test(product.attributes.created_at), () => `created_at ${product.attributes.created_at}`);
        assert(RE.timestamp.test(product.attributes.updated_at), () => `updated_at ${product.attributes.updated_at}`);
        assertRel(product, 'owner', 'account', ctx.accountId, 'product');
        assertRel(product, 'creator', 'account', ctx.accountId, 'product');
        assert(product.links && product.links.self === `${V5_URL}/products/${product.id}`,
            () => `links.self: expected ${V5_URL}/products/${product.id}, got ${short(product.links)}`);
        ctx.product = product.id;
        return { id: product.id };
    });

    await check('products.create_with_owner', async () => {
        const product = assertResource(
            await api.products.create({ name: 'conformance-doorbell' }, ctx.accountId), 'product', 'products.create');
        assertRel(product, 'owner', 'account', ctx.accountId, 'product');
        ctx.productB = product.id;
        return { id: product.id };
    });

    await check('products.duplicate_name', async () =>
        expectApiError(api.products.create({ name: 'conformance-thermostat' }), { status: 409, message: MSG.duplicateProduct }));

    await check('products.duplicate_description_allowed', async () => {
        const product = assertResource(
            await api.products.create({ name: 'conformance-spare', description: 'Node client conformance' }),
            'product', 'products.create');
        ctx.spareProduct = product.id;
        return 'ok';
    });

    await check('products.create.invalid_name', async () => {
        const long = await expectApiError(api.products.create({ name: 'x'.repeat(81) }), { status: 400 });
        await expectApiError(api.products.create({ name: '' }), { status: 400 });
        await expectApiError(api.products.create({ name: 'ok', description: 'd'.repeat(256) }), { status: 400 });
        const max = assertResource(await api.products.create({ name: 'n'.repeat(80), description: 'd'.repeat(255) }),
            'product', 'products.create at the length limits');
        await api.products.delete(max.id);
        return long;
    });

    await check('products.concurrent_duplicate_creates', async () => {
        // uniqueness holds under concurrency: of 20 simultaneous creates with one name, one wins
        const results = await Promise.allSettled(Array.from({ length: 20 },
            () => api.products.create({ name: 'conformance-race' })));
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected');
        assertEqual(won.length, 1, 'successful creates');
        for (const r of lost) {
            assert(r.reason instanceof ImpCentralApiError && r.reason.statusCode === 409 &&
                r.reason.message === MSG.duplicateProduct, () => `a losing create failed with ${short(describeError(r.reason))}`);
        }
        await api.products.delete(won[0].value.data.id);
        return { won: won.length, lost: lost.length };
    });

    await check('products.get', async () => {
        const product = assertResource(await api.products.get(ctx.product), 'product', 'products.get');
        assertEqual(product.id, ctx.product, 'data.id');
        assertEqual(product.attributes.name, 'conformance-thermostat', 'attributes.name');
        return 'ok';
    });

    await check('products.update', async () => {
        const product = assertResource(
            await api.products.update(ctx.product, { name: 'conformance-thermostat-v2', description: 'renamed' }),
            'product', 'products.update');
        assertEqual(product.attributes.name, 'conformance-thermostat-v2', 'attributes.name');
        assertEqual(product.attributes.description, 'renamed', 'attributes.description');
        const again = assertResource(await api.products.get(ctx.product), 'product', 'products.get');
        assertEqual(again.attributes.name, 'conformance-thermostat-v2', 'name after re-read');
        return 'ok';
    });

    await check('products.update_duplicate_name', async () =>
        expectApiError(api.products.update(ctx.productB, { name: 'conformance-thermostat-v2' }),
            { status: 409, message: MSG.duplicateProduct }));

    await check('products.list_filter_owner', async () => {
        const items = assertList(await api.products.list({ [Products.FILTER_OWNER_ID]: ctx.accountId }), 'products.list');
        const found = ids(items);
        for (const id of [ctx.product, ctx.productB, ctx.spareProduct]) {
            assert(found.includes(id), () => `product ${id} missing from ${short(found)}`);
        }
        const none = assertList(await api.products.list({ [Products.FILTER_OWNER_ID]: UNKNOWN_UUID }), 'products.list');
        assertEqual(none.length, 0, 'products of an unknown owner');
        return { count: items.length };
    });

    await check('products.pagination', async () => {
        const all = ids(assertList(await api.products.list(), 'products.list'));
        return assertPagination((n, s) => api.products.list(null, n, s), all, 'products');
    });

    await check('products.pagination_beyond_last', async () => {
        const res = await api.products.list(null, 99, 1);
        assertEqual(assertList(res, 'products.list page 99').length, 0, 'items on a page past the end');
        assert(!('next' in res.links), () => `links.next on a page past the end: ${short(res.links)}`);
        return { links: Object.keys(res.links) };
    });

    await check('products.get_unknown_404', async () => expectApiError(api.products.get(UNKNOWN_UUID), { status: 404 }));

    await check('products.get_wrong_type_404', async () =>
        expectApiError(api.products.get(ctx.accountId), { status: 404 }));

    await check('products.delete', async () => {
        assertEqual(await api.products.delete(ctx.spareProduct), undefined, 'delete response body (204)');
        await expectApiError(api.products.get(ctx.spareProduct), { status: 404 });
        await expectApiError(api.products.delete(ctx.spareProduct), { status: 404 });
        return 'ok';
    });
}

async function createGroup(name, type, attributes, productionTarget = null, dutTarget = null, product = ctx.product) {
    const res = await api.deviceGroups.create(product, type, Object.assign({ name: name }, attributes),
        productionTarget, dutTarget);
    const group = assertResource(res, type, `deviceGroups.create(${type})`);
    assert(RE.uuid.test(group.id), () => `group id ${group.id}`);
    assertEqual(group.attributes.name, name, 'attributes.name');
    assertRel(group, 'product', 'product', product, 'device group');
    return group;
}

async function deviceGroupsArea() {
    const T = DeviceGroups;

    await check('devicegroups.create.development', async () => {
        const group = await createGroup('dev', T.TYPE_DEVELOPMENT,
            { description: 'development group', env_vars: { API_URL: 'https://example.com', RETRIES: 3 } });
        assertEqual(group.attributes.description, 'development group', 'attributes.description');
        assertEqual(group.attributes.env_vars, { API_URL: 'https://example.com', RETRIES: 3 }, 'attributes.env_vars');
        assertRel(group, 'owner', 'account', ctx.accountId, 'device group');
        assert(!('current_deployment' in group.relationships), 'a new group must have no current_deployment relationship');
        ctx.groups[T.TYPE_DEVELOPMENT] = group.id;
        return { id: group.id };
    });

    for (const type of [T.TYPE_PRE_PRODUCTION, T.TYPE_PRODUCTION, T.TYPE_PRE_DUT, T.TYPE_DUT]) {
        await check(`devicegroups.create.${type.replace(/_devicegroup$/, '')}`, async () => {
            const group = await createGroup(type.replace(/_devicegroup$/, ''), type, { description: type });
            for (const target of ['production_target', 'dut_target']) {
                assert(!(target in group.relationships), () => `${type} must not carry ${target}`);
            }
            ctx.groups[type] = group.id;
            return { id: group.id };
        });
    }

    const fixtures = [
        [T.TYPE_PRE_FACTORY_FIXTURE, T.TYPE_PRE_PRODUCTION, T.TYPE_PRE_DUT],
        [T.TYPE_FACTORY_FIXTURE, T.TYPE_PRODUCTION, T.TYPE_DUT],
    ];
    for (const [type, prodType, dutType] of fixtures) {
        await check(`devicegroups.create.${type.replace(/_devicegroup$/, '')}`, async () => {
            const group = await createGroup(type.replace(/_devicegroup$/, ''), type, {},
                { type: prodType, id: ctx.groups[prodType] }, { type: dutType, id: ctx.groups[dutType] });
            assertRel(group, 'production_target', prodType, ctx.groups[prodType], type);
            assertRel(group, 'dut_target', dutType, ctx.groups[dutType], type);
            ctx.groups[type] = group.id;
            return { id: group.id };
        });
    }

    await check('devicegroups.load_code_after_blessing_default', async () => {
        // reference 3.3/4: default true for new (pre-)production groups
        for (const type of [T.TYPE_PRE_PRODUCTION, T.TYPE_PRODUCTION]) {
            const group = assertResource(await api.deviceGroups.get(ctx.groups[type]), type, 'deviceGroups.get');
            assertEqual(group.attributes.load_code_after_blessing, true, `${type} load_code_after_blessing`);
        }
        return 'ok';
    });

    await check('devicegroups.create.fixture_target_pairing_refused', async () =>
        // pre_factoryfixture must target pre_production + pre_dut (reference 4); the client only
        // checks the target type loosely, so this reaches the server
        expectApiError(api.deviceGroups.create(ctx.product, T.TYPE_PRE_FACTORY_FIXTURE, { name: 'bad-fixture' },
            { type: T.TYPE_PRODUCTION, id: ctx.groups[T.TYPE_PRODUCTION] },
            { type: T.TYPE_DUT, id: ctx.groups[T.TYPE_DUT] }), { status: [400, 409] }));

    await check('devicegroups.create.target_type_mismatch_refused', async () =>
        // the relationship claims pre_production_devicegroup but the id is a production group
        expectApiError(api.deviceGroups.create(ctx.product, T.TYPE_PRE_FACTORY_FIXTURE, { name: 'bad-fixture-2' },
            { type: T.TYPE_PRE_PRODUCTION, id: ctx.groups[T.TYPE_PRODUCTION] },
            { type: T.TYPE_PRE_DUT, id: ctx.groups[T.TYPE_PRE_DUT] }), { status: [400, 409] }));

    await check('devicegroups.create.invalid_env_vars', async () =>
        // keys are alphanumeric and start with a letter (reference 3.3)
        expectApiError(api.deviceGroups.create(ctx.product, T.TYPE_DEVELOPMENT,
            { name: 'bad-env', env_vars: { '1BAD': 'x' } }), { status: 400 }));

    await check('devicegroups.create.all_seven_types', async () => {
        assertEqual(Object.keys(ctx.groups).sort(), [...ALL_GROUP_TYPES].sort(), 'group types created');
        return 'ok';
    });

    await check('devicegroups.create.second_product', async () => {
        const group = await createGroup('dev', T.TYPE_DEVELOPMENT, {}, null, null, ctx.productB);
        ctx.groupsB[T.TYPE_DEVELOPMENT] = group.id;
        return { id: group.id, note: 'same name as in the first product: names are unique per product only' };
    });

    await check('devicegroups.duplicate_name', async () =>
        expectApiError(api.deviceGroups.create(ctx.product, T.TYPE_DEVELOPMENT, { name: 'dev' }),
            { status: 409, message: MSG.duplicateDeviceGroup }));

    await check('devicegroups.get', async () => {
        const group = assertResource(await api.deviceGroups.get(ctx.groups[T.TYPE_FACTORY_FIXTURE]),
            T.TYPE_FACTORY_FIXTURE, 'deviceGroups.get');
        assertRel(group, 'production_target', T.TYPE_PRODUCTION, ctx.groups[T.TYPE_PRODUCTION], 'factory group');
        assertRel(group, 'dut_target', T.TYPE_DUT, ctx.groups[T.TYPE_DUT], 'factory group');
        return 'ok';
    });

    await check('devicegroups.update', async () => {
        const group = assertResource(
            await api.deviceGroups.update(ctx.groups[T.TYPE_DEVELOPMENT], T.TYPE_DEVELOPMENT,
                { description: 'updated', env_vars: { API_URL: 'https://example.org' } }),
            T.TYPE_DEVELOPMENT, 'deviceGroups.update');
        assertEqual(group.attributes.description, 'updated', 'attributes.description');
        assertEqual(group.attributes.name, 'dev', 'attributes.name (unchanged)');
        assertEqual(group.attributes.env_vars, { API_URL: 'https://example.org' }, 'attributes.env_vars');
        return 'ok';
    });

    await check('devicegroups.update.load_code_after_blessing', async () => {
        const group = assertResource(
            await api.deviceGroups.update(ctx.groups[T.TYPE_PRODUCTION], T.TYPE_PRODUCTION,
                { load_code_after_blessing: false }),
            T.TYPE_PRODUCTION, 'deviceGroups.update');
        assertEqual(group.attributes.load_code_after_blessing, false, 'attributes.load_code_after_blessing');
        return 'ok';
    });

    await check('devicegroups.update.fixture_targets', async () => {
        const prod2 = await createGroup('production-2', T.TYPE_PRODUCTION, {});
        const dut2 = await createGroup('dut-2', T.TYPE_DUT, {});
        ctx.extraGroups.production = prod2.id;
        ctx.extraGroups.dut = dut2.id;
        const group = assertResource(
            await api.deviceGroups.update(ctx.groups[T.TYPE_FACTORY_FIXTURE], T.TYPE_FACTORY_FIXTURE,
                { description: 'retargeted' },
                { type: T.TYPE_PRODUCTION, id: prod2.id }, { type: T.TYPE_DUT, id: dut2.id }),
            T.TYPE_FACTORY_FIXTURE, 'deviceGroups.update');
        assertRel(group, 'production_target', T.TYPE_PRODUCTION, prod2.id, 'factory group');
        assertRel(group, 'dut_target', T.TYPE_DUT, dut2.id, 'factory group');
        const again = assertResource(await api.deviceGroups.get(group.id), T.TYPE_FACTORY_FIXTURE, 'deviceGroups.get');
        assertRel(again, 'production_target', T.TYPE_PRODUCTION, prod2.id, 'factory group re-read');
        assertRel(again, 'dut_target', T.TYPE_DUT, dut2.id, 'factory group re-read');
        return 'ok';
    });

    await check('devicegroups.update.fixture_without_targets', async () => {
        // spec/production_device_groups.spec.js updates a fixture group without targets
        const id = ctx.groups[T.TYPE_PRE_FACTORY_FIXTURE];
        const group = assertResource(await api.deviceGroups.update(id, T.TYPE_PRE_FACTORY_FIXTURE,
            { description: 'no targets in this PATCH' }), T.TYPE_PRE_FACTORY_FIXTURE, 'deviceGroups.update');
        assertRel(group, 'production_target', T.TYPE_PRE_PRODUCTION, ctx.groups[T.TYPE_PRE_PRODUCTION], 'fixture group');
        assertRel(group, 'dut_target', T.TYPE_PRE_DUT, ctx.groups[T.TYPE_PRE_DUT], 'fixture group');
        return 'ok';
    });

    await check('devicegroups.update.type_change_refused', async () =>
        // the type is immutable (reference 4, section 13 item 4)
        expectApiError(api.deviceGroups.update(ctx.groups[T.TYPE_PRE_PRODUCTION], T.TYPE_PRODUCTION,
            { description: 'promote?' }), { status: [400, 409] }));

    await check('devicegroups.update.duplicate_name', async () =>
        expectApiError(api.deviceGroups.update(ctx.groups[T.TYPE_PRODUCTION], T.TYPE_PRODUCTION, { name: 'dev' }),
            { status: 409, message: MSG.duplicateDeviceGroup }));

    await check('devicegroups.filter_type', async () => {
        const items = assertList(await api.deviceGroups.list({ [T.FILTER_TYPE]: T.TYPE_PRODUCTION }), 'list');
        assertEqual(ids(items).sort(), [ctx.groups[T.TYPE_PRODUCTION], ctx.extraGroups.production].sort(),
            'production groups');
        const fixtures = assertList(await api.deviceGroups.list({ [T.FILTER_TYPE]: T.TYPE_PRE_FACTORY_FIXTURE }), 'list');
        assertEqual(ids(fixtures), [ctx.groups[T.TYPE_PRE_FACTORY_FIXTURE]], 'pre-factory groups');
        return 'ok';
    });

    await check('devicegroups.filter_product', async () => {
        const items = assertList(await api.deviceGroups.list({ [T.FILTER_PRODUCT_ID]: ctx.product }), 'list');
        const expected = Object.values(ctx.groups).concat(Object.values(ctx.extraGroups));
        assertEqual(ids(items).sort(), expected.sort(), 'groups of the main product');
        const itemsB = assertList(await api.deviceGroups.list({ [T.FILTER_PRODUCT_ID]: ctx.productB }), 'list');
        assertEqual(ids(itemsB), [ctx.groupsB[T.TYPE_DEVELOPMENT]], 'groups of the second product');
        const both = assertList(await api.deviceGroups.list({
            [T.FILTER_PRODUCT_ID]: ctx.product, [T.FILTER_TYPE]: T.TYPE_DEVELOPMENT,
            [T.FILTER_OWNER_ID]: ctx.accountId }), 'list');
        assertEqual(ids(both), [ctx.groups[T.TYPE_DEVELOPMENT]], 'product + type + owner filters combined');
        return { count: items.length };
    });

    await check('devicegroups.pagination', async () => {
        const all = ids(assertList(await api.deviceGroups.list(null, 1, 100), 'list'));
        return assertPagination((n, s) => api.deviceGroups.list(null, n, s), all, 'device groups');
    });

    await check('devicegroups.get_unknown_404', async () =>
        expectApiError(api.deviceGroups.get(UNKNOWN_UUID), { status: 404 }));

    await check('devicegroups.get_wrong_type_404', async () =>
        expectApiError(api.deviceGroups.get(ctx.product), { status: 404 }));

    await check('devicegroups.delete', async () => {
        const spare = await createGroup('spare', T.TYPE_DEVELOPMENT, {});
        assertEqual(await api.deviceGroups.delete(spare.id), undefined, 'delete response body (204)');
        await expectApiError(api.deviceGroups.get(spare.id), { status: 404 });
        return 'ok';
    });

    await check('products.delete_with_groups_refused', async () =>
        expectApiError(api.products.delete(ctx.productB), { status: 409, message: MSG.dependentDeviceGroups }));
}

async function deploymentsArea() {
    const devGroup = ctx.groups[DeviceGroups.TYPE_DEVELOPMENT];
    const T = DeviceGroups.TYPE_DEVELOPMENT;
    const code = (n) => ({ device_code: `server.log("device v${n}");`, agent_code: `server.log("agent v${n}");` });

    await check('deployments.create', async () => {
        const dep = assertResource(
            await api.deployments.create(devGroup, T, Object.assign(code(1),
                { description: 'first build', origin: 'conformance', tags: ['conformance', 'v1'] })),
            'deployment', 'deployments.create');
        assert(RE.uuid.test(dep.id), () => `deployment id ${dep.id}`);
        assert(RE.sha.test(dep.attributes.sha), () => `sha ${dep.attributes.sha}`);
        assertEqual(dep.attributes.device_code, code(1).device_code, 'attributes.device_code');
        assertEqual(dep.attributes.agent_code, code(1).agent_code, 'attributes.agent_code');
        assertEqual(dep.attributes.description, 'first build', 'attributes.description');
        assertEqual(dep.attributes.origin, 'conformance', 'attributes.origin');
        assertEqual(dep.attributes.tags, ['conformance', 'v1'], 'attributes.tags');
        assertEqual(dep.attributes.flagged, false, 'attributes.flagged');
        assert(RE.timestamp.test(dep.attributes.created_at), () => `created_at ${dep.attributes.created_at}`);
        assertRel(dep, 'devicegroup', T, devGroup, 'deployment');
        assertRel(dep, 'product', 'product', ctx.product, 'deployment');
        ctx.deployments.v1 = dep.id;
        ctx.deployments.v1sha = dep.attributes.sha;
        return { id: dep.id, sha: dep.attributes.sha };
    });

    await check('deployments.becomes_current', async () => {
        const group = assertResource(await api.deviceGroups.get(devGroup), T, 'deviceGroups.get');
        assertRel(group, 'current_deployment', 'deployment', ctx.deployments.v1, 'development group');
        return 'ok';
    });

    await check('deployments.min_supported_initial', async () => {
        // docs/emulator.md / reference 5: set automatically to the group's first deployment
        const group = assertResource(await api.deviceGroups.get(devGroup), T, 'deviceGroups.get');
        assertRel(group, 'min_supported_deployment', 'deployment', ctx.deployments.v1, 'development group');
        return 'ok';
    });

    await check('deployments.create.invalid_tag', async () => {
        const res = await expectApiError(
            api.deployments.create(devGroup, T, Object.assign(code(7), { tags: ['not a tag!'] })), { status: 400 });
        // at most 500 characters of tags in total (reference 5)
        const many = Array.from({ length: 11 }, (_, i) => `t${i}-${'x'.repeat(45)}`);
        await expectApiError(api.deployments.create(devGroup, T, Object.assign(code(7), { tags: many })), { status: 400 });
        return res;
    });

    await check('deployments.create.embedded_nul', async () =>
        expectApiError(api.deployments.create(devGroup, T, { device_code: 'a\u0000b', agent_code: '' }),
            { status: 400, startsWith: MSG.embeddedNul }));

    await check('deployments.create.group_type_mismatch', async () =>
        // docs/emulator.md decision 24a: the devicegroup relationship must carry the group's
        // concrete type (the client sends what the caller passes as deviceGroupType)
        expectApiError(api.deployments.create(devGroup, DeviceGroups.TYPE_PRODUCTION, code(7)), { status: 400 }));

    await check('deployments.create_more', async () => {
        await sleep(5); // distinct created_at
        const v2 = assertResource(await api.deployments.create(devGroup, T, Object.assign(code(2),
            { tags: ['conformance', 'v2'] })), 'deployment', 'deployments.create');
        await sleep(5);
        const v3 = assertResource(await api.deployments.create(devGroup, T, Object.assign(code(1),
            { description: 'same code as v1', flagged: true })), 'deployment', 'deployments.create');
        assertEqual(v3.attributes.flagged, true, 'attributes.flagged on create');
        ctx.deployments.v2 = v2.id;
        ctx.deployments.v3 = v3.id;
        assertEqual(v3.attributes.sha, ctx.deployments.v1sha, 'sha of identical code');
        assert(v2.attributes.sha !== ctx.deployments.v1sha, 'different code must give a different sha');
        const group = assertResource(await api.deviceGroups.get(devGroup), T, 'deviceGroups.get');
        assertRel(group, 'current_deployment', 'deployment', v3.id, 'development group');
        // a deployment on another group, for the filters
        const other = assertResource(await api.deployments.create(ctx.groups[DeviceGroups.TYPE_PRODUCTION],
            DeviceGroups.TYPE_PRODUCTION, Object.assign(code(9), { tags: ['production'] })), 'deployment', 'create');
        assertRel(other, 'devicegroup', DeviceGroups.TYPE_PRODUCTION, ctx.groups[DeviceGroups.TYPE_PRODUCTION], 'deployment');
        ctx.deployments.prod = other.id;
        return 'ok';
    });

    await check('deployments.get', async () => {
        const dep = assertResource(await api.deployments.get(ctx.deployments.v2), 'deployment', 'deployments.get');
        assertEqual(dep.id, ctx.deployments.v2, 'data.id');
        assertEqual(dep.attributes.tags, ['conformance', 'v2'], 'attributes.tags');
        return 'ok';
    });

    await check('deployments.update', async () => {
        const dep = assertResource(await api.deployments.update(ctx.deployments.v1,
            { description: 'known good', tags: ['conformance', 'v1', 'stable'], flagged: true }),
        'deployment', 'deployments.update');
        assertEqual(dep.attributes.description, 'known good', 'attributes.description');
        assertEqual(dep.attributes.tags, ['conformance', 'v1', 'stable'], 'attributes.tags');
        assertEqual(dep.attributes.flagged, true, 'attributes.flagged');
        assertEqual(dep.attributes.device_code, code(1).device_code, 'device_code unchanged');
        assertEqual(dep.attributes.origin, 'conformance', 'origin unchanged');
        return 'ok';
    });

    await check('deployments.list_filter_devicegroup', async () => {
        const items = assertList(await api.deployments.list({ [Deployments.FILTER_DEVICE_GROUP_ID]: devGroup }), 'list');
        assertEqual(ids(items).sort(), [ctx.deployments.v1, ctx.deployments.v2, ctx.deployments.v3].sort(),
            'deployments of the development group');
        return 'ok';
    });

    await check('deployments.list_filter_flagged', async () => {
        const flagged = assertList(await api.deployments.list({
            [Deployments.FILTER_FLAGGED]: true, [Deployments.FILTER_DEVICE_GROUP_ID]: devGroup }), 'list');
        assertEqual(ids(flagged).sort(), [ctx.deployments.v1, ctx.deployments.v3].sort(), 'flagged deployments');
        const unflagged = assertList(await api.deployments.list({ [Deployments.FILTER_FLAGGED]: false }), 'list');
        assertEqual(ids(unflagged).sort(), [ctx.deployments.v2, ctx.deployments.prod].sort(), 'unflagged deployments');
        return 'ok';
    });

    await check('deployments.list_filter_tags', async () => {
        const one = assertList(await api.deployments.list({ [Deployments.FILTER_TAGS]: 'conformance,stable' }), 'list');
        assertEqual(ids(one), [ctx.deployments.v1], 'deployments tagged conformance AND stable');
        const two = assertList(await api.deployments.list({ [Deployments.FILTER_TAGS]: 'conformance' }), 'list');
        assertEqual(ids(two).sort(), [ctx.deployments.v1, ctx.deployments.v2].sort(), 'deployments tagged conformance');
        return 'ok';
    });

    await check('deployments.list_filter_owner_creator_flagger', async () => {
        const all = [ctx.deployments.v1, ctx.deployments.v2, ctx.deployments.v3, ctx.deployments.prod].sort();
        const byOwner = assertList(await api.deployments.list({ [Deployments.FILTER_OWNER_ID]: ctx.accountId }), 'list');
        assertEqual(ids(byOwner).sort(), all, 'filter[owner.id]');
        const byCreator = assertList(await api.deployments.list({ [Deployments.FILTER_CREATOR_ID]: ctx.accountId }), 'list');
        assertEqual(ids(byCreator).sort(), all, 'filter[creator.id]');
        const anyFlag = assertList(await api.deployments.list({ [Deployments.FILTER_FLAGGED]: 'any' }), 'list');
        assertEqual(ids(anyFlag).sort(), all, 'filter[flagged]=any');
        const byFlagger = assertList(await api.deployments.list({ [Deployments.FILTER_FLAGGER_ID]: ctx.accountId }), 'list');
        assertEqual(ids(byFlagger).sort(), [ctx.deployments.v1, ctx.deployments.v3].sort(), 'filter[flagger.id]');
        return 'ok';
    });

    await check('deployments.list_filter_product_sha', async () => {
        const byProduct = assertList(await api.deployments.list({ [Deployments.FILTER_PRODUCT_ID]: ctx.product }), 'list');
        assertEqual(byProduct.length, 4, 'deployments of the main product');
        const bySha = assertList(await api.deployments.list({ [Deployments.FILTER_SHA]: ctx.deployments.v1sha }), 'list');
        assertEqual(ids(bySha).sort(), [ctx.deployments.v1, ctx.deployments.v3].sort(), 'deployments with the v1 sha');
        return 'ok';
    });

    await check('deployments.pagination', async () => {
        const all = ids(assertList(await api.deployments.list(), 'list'));
        return assertPagination((n, s) => api.deployments.list(null, n, s), all, 'deployments');
    });

    await check('deployments.min_supported', async () => {
        const res = await api.deviceGroups.updateMinSupportedDeployment(devGroup, ctx.deployments.v2);
        const group = assertResource(await api.deviceGroups.get(devGroup), T, 'deviceGroups.get');
        assertRel(group, 'min_supported_deployment', 'deployment', ctx.deployments.v2, 'development group');
        return { response: res === undefined ? '204 (no body)' : 'body' };
    });

    await check('deployments.delete_flagged_refused', async () =>
        expectApiError(api.deployments.delete(ctx.deployments.v1), { status: 409, message: MSG.flaggedDeployment }));

    await check('deployments.min_supported_older_refused', async () =>
        expectApiError(api.deviceGroups.updateMinSupportedDeployment(devGroup, ctx.deployments.v1), { status: [400, 409] }));

    await check('deployments.min_supported_other_group_refused', async () =>
        expectApiError(api.deviceGroups.updateMinSupportedDeployment(devGroup, ctx.deployments.prod), { status: [400, 409] }));

    await check('deployments.delete_min_supported_refused', async () =>
        expectApiError(api.deployments.delete(ctx.deployments.v2), { status: 409 }));

    await check('deployments.delete', async () => {
        await api.deployments.update(ctx.deployments.v1, { flagged: false });
        const res = await api.deployments.delete(ctx.deployments.v1);
        assertEqual(res, undefined, 'delete response body (204)');
        await expectApiError(api.deployments.get(ctx.deployments.v1), { status: 404 });
        return 'ok';
    });

    await check('deployments.get_unknown_404', async () =>
        expectApiError(api.deployments.get(UNKNOWN_UUID), { status: 404 }));

    await check('deployments.get_wrong_type_404', async () =>
        expectApiError(api.deployments.get(devGroup), { status: 404 }));

    await check('deployments.concurrent_creates', async () => {
        // spec/deployments.spec.js creates ten deployments at once with Promise.all
        const group = ctx.groupsB[DeviceGroups.TYPE_DEVELOPMENT];
        const created = await Promise.all(Array.from({ length: 10 }, (_, i) =>
            api.deployments.create(group, T, Object.assign(code(100 + i), { description: `burst ${i}` }))));
        const deps = created.map((res) => assertResource(res, 'deployment', 'deployments.create'));
        assertEqual(new Set(ids(deps)).size, 10, 'distinct deployment ids');
        const listed = ids(assertList(await api.deployments.list({ [Deployments.FILTER_DEVICE_GROUP_ID]: group }, 1, 100), 'list'));
        assertEqual([...listed].sort(), ids(deps).sort(), 'deployments listed for the group');
        const newest = listed[listed.length - 1]; // list order is creation order
        const g = assertResource(await api.deviceGroups.get(group), T, 'deviceGroups.get');
        assertRel(g, 'current_deployment', 'deployment', newest, 'group after a burst of creates');
        return { current: newest };
    });
}

async function webhooksArea() {
    const G = DeviceGroups;
    const hookUrl = 'https://hooks.example.com/impops';

    await check('webhooks.create.json', async () => {
        const hook = assertResource(await api.webhooks.create(ctx.groups[G.TYPE_DEVELOPMENT], G.TYPE_DEVELOPMENT,
            { url: hookUrl + '/deploy', event: Webhooks.EVENT_DEPLOYMENT, content_type: Webhooks.CONTENT_TYPE_JSON }),
        'webhook', 'webhooks.create');
        assertEqual(hook.attributes.url, hookUrl + '/deploy', 'attributes.url');
        assertEqual(hook.attributes.event, 'deployment', 'attributes.event');
        assertEqual(hook.attributes.content_type, 'application/json', 'attributes.content_type');
        assertRel(hook, 'devicegroup', G.TYPE_DEVELOPMENT, ctx.groups[G.TYPE_DEVELOPMENT], 'webhook');
        ctx.webhooks.deploy = hook.id;
        return { id: hook.id };
    });

    await check('webhooks.create.form', async () => {
        const hook = assertResource(await api.webhooks.create(ctx.groups[G.TYPE_PRODUCTION], G.TYPE_PRODUCTION,
            { url: hookUrl + '/bless', event: Webhooks.EVENT_BLESSING, content_type: Webhooks.CONTENT_TYPE_WWW_FORM }),
        'webhook', 'webhooks.create');
        assertEqual(hook.attributes.content_type, 'application/x-www-form-urlencoded', 'attributes.content_type');
        assertEqual(hook.attributes.event, 'blessing', 'attributes.event');
        assertRel(hook, 'devicegroup', G.TYPE_PRODUCTION, ctx.groups[G.TYPE_PRODUCTION], 'webhook');
        ctx.webhooks.bless = hook.id;
        const blinkup = assertResource(await api.webhooks.create(ctx.groups[G.TYPE_PRE_PRODUCTION], G.TYPE_PRE_PRODUCTION,
            // plain http, as in spec/webhooks.spec.js
            { url: 'http://www.electricimp.test.com', event: Webhooks.EVENT_BLINKUP, content_type: Webhooks.CONTENT_TYPE_JSON }),
        'webhook', 'webhooks.create');
        ctx.webhooks.blinkup = blinkup.id;
        return { id: hook.id };
    });

    await check('webhooks.invalid_url', async () =>
        expectApiError(api.webhooks.create(ctx.groups[G.TYPE_DEVELOPMENT], G.TYPE_DEVELOPMENT,
            { url: 'invalidurl', event: Webhooks.EVENT_DEPLOYMENT, content_type: Webhooks.CONTENT_TYPE_JSON }),
        { status: 400, message: MSG.invalidUrl }));

    await check('webhooks.blessing_on_development_refused', async () =>
        // blessing/blinkup webhooks exist for (pre-)production groups only (reference 6)
        expectApiError(api.webhooks.create(ctx.groups[G.TYPE_DEVELOPMENT], G.TYPE_DEVELOPMENT,
            { url: hookUrl + '/x', event: Webhooks.EVENT_BLESSING, content_type: Webhooks.CONTENT_TYPE_JSON }),
        { status: [400, 409] }));

    await check('webhooks.create.group_type_mismatch', async () =>
        // docs/emulator.md decision 24a
        expectApiError(api.webhooks.create(ctx.groups[G.TYPE_DEVELOPMENT], G.TYPE_PRODUCTION,
            { url: hookUrl + '/x', event: Webhooks.EVENT_DEPLOYMENT, content_type: Webhooks.CONTENT_TYPE_JSON }),
        { status: 400 }));

    await check('webhooks.get', async () => {
        const hook = assertResource(await api.webhooks.get(ctx.webhooks.deploy), 'webhook', 'webhooks.get');
        assertEqual(hook.id, ctx.webhooks.deploy, 'data.id');
        return 'ok';
    });

    await check('webhooks.update', async () => {
        const hook = assertResource(await api.webhooks.update(ctx.webhooks.deploy,
            { url: hookUrl + '/deploy-v2', content_type: Webhooks.CONTENT_TYPE_WWW_FORM }), 'webhook', 'webhooks.update');
        assertEqual(hook.attributes.url, hookUrl + '/deploy-v2', 'attributes.url');
        assertEqual(hook.attributes.content_type, 'application/x-www-form-urlencoded', 'attributes.content_type');
        assertEqual(hook.attributes.event, 'deployment', 'attributes.event (unchanged)');
        return 'ok';
    });

    await check('webhooks.update_invalid_url', async () =>
        expectApiError(api.webhooks.update(ctx.webhooks.deploy, { url: 'invalidurl' }),
            { status: 400, message: MSG.invalidUrl }));

    await check('webhooks.list_filter_devicegroup', async () => {
        const items = assertList(await api.webhooks.list({ [Webhooks.FILTER_DEVICE_GROUP_ID]: ctx.groups[G.TYPE_PRODUCTION] }), 'list');
        assertEqual(ids(items), [ctx.webhooks.bless], 'webhooks of the production group');
        return 'ok';
    });

    await check('webhooks.pagination', async () => {
        const all = ids(assertList(await api.webhooks.list(), 'list'));
        assertEqual(all.length, 3, 'webhook count');
        return assertPagination((n, s) => api.webhooks.list(null, n, s), all, 'webhooks');
    });

    await check('webhooks.delete', async () => {
        assertEqual(await api.webhooks.delete(ctx.webhooks.blinkup), undefined, 'delete response body (204)');
        await expectApiError(api.webhooks.get(ctx.webhooks.blinkup), { status: 404 });
        const all = ids(assertList(await api.webhooks.list(), 'list'));
        assert(!all.includes(ctx.webhooks.blinkup), 'deleted webhook still listed');
        return 'ok';
    });

    await check('webhooks.get_unknown_404', async () => expectApiError(api.webhooks.get(UNKNOWN_UUID), { status: 404 }));
}

async function devicesArea() {
    const G = DeviceGroups;
    const devGroup = ctx.groups[G.TYPE_DEVELOPMENT];
    const unassigned = { [Devices.FILTER_DEVICE_GROUP_OWNER_ID]: 'null' };

    await check('devices.list_unassigned', async () => {
        const items = assertList(await api.devices.list(unassigned, 1, 100), 'devices.list');
        assertEqual(items.length, SEED.devices, 'seeded unassigned devices');
        for (const dev of items) {
            assertEqual(dev.type, 'device', 'device type');
            assert(RE.deviceId.test(dev.id), () => `device id ${dev.id}`);
            assert(!('devicegroup' in (dev.relationships || {})), () => `unassigned ${dev.id} has a devicegroup relationship`);
            assert(RE.mac.test(dev.attributes.mac_address), () => `mac_address ${dev.attributes.mac_address}`);
        }
        ctx.devices = items;
        return { count: items.length };
    });

    // Fixture devices may not be imp001 (reference 3.4); pick the devices by role.
    const pick = () => {
        const nonImp001 = ctx.devices.filter((d) => d.attributes.imp_type !== 'imp001');
        const fixture = nonImp001[nonImp001.length - 1];
        const rest = ctx.devices.filter((d) => d !== fixture);
        return { a: rest[0], b: rest[1], c: rest[2], idle: rest[3], fixture: fixture };
    };
    ctx.logDevice = pick().a;

    await check('devices.list_all', async () => {
        const items = assertList(await api.devices.list(), 'devices.list');
        assertEqual(items.length, SEED.devices, 'all devices');
        return 'ok';
    });

    await check('devices.get_by_id', async () => {
        const { a } = pick();
        const dev = assertResource(await api.devices.get(a.id), 'device', 'devices.get');
        assertEqual(dev.id, a.id, 'data.id');
        // the attribute set `impt device info` shows from the real server (reference 3.4)
        const expected = ['name', 'agent_id', 'agent_url', 'device_online', 'device_state_changed_at',
            'agent_running', 'agent_state_changed_at', 'last_enrolled_at', 'imp_type', 'ip_address',
            'mac_address', 'free_memory', 'rssi', 'swversion', 'plan_id'];
        const missing = expected.filter((attr) => !(attr in dev.attributes));
        assertEqual(missing, [], 'device attributes missing');
        assertEqual(typeof dev.attributes.device_online, 'boolean', 'typeof device_online');
        assertEqual(typeof dev.attributes.agent_running, 'boolean', 'typeof agent_running');
        assertEqual(typeof dev.attributes.free_memory, 'number', 'typeof free_memory');
        assertEqual(typeof dev.attributes.rssi, 'number', 'typeof rssi');
        assert(!dev.attributes.agent_id, () => `unassigned device has agent_id ${dev.attributes.agent_id}`);
        return 'ok';
    });

    await check('devices.get_by_mac', async () => {
        const { a } = pick();
        const dev = assertResource(await api.devices.get(a.attributes.mac_address), 'device', 'devices.get(mac)');
        assertEqual(dev.id, a.id, 'data.id');
        return 'ok';
    });

    await check('devices.add_to_group', async () => {
        const { a, b, c } = pick();
        // by device id, MAC address
        const res = await api.deviceGroups.addDevices(devGroup, a.id, b.attributes.mac_address);
        assertEqual(res, undefined, 'response body (204)');
        await api.deviceGroups.addDevices(devGroup, c.id);
        for (const d of [a, b, c]) {
            const dev = assertResource(await api.devices.get(d.id), 'device', 'devices.get');
            assertRel(dev, 'devicegroup', G.TYPE_DEVELOPMENT, devGroup, `device ${d.id}`);
            assertRel(dev, 'product', 'product', ctx.product, `device ${d.id}`);
            assert(typeof dev.attributes.agent_id === 'string' && dev.attributes.agent_id.length > 0,
                () => `assigned device ${d.id} has no agent_id`);
        }
        return 'ok';
    });

    await check('devices.get_by_agent_id', async () => {
        const { a } = pick();
        const dev = assertResource(await api.devices.get(a.id), 'device', 'devices.get');
        const byAgent = assertResource(await api.devices.get(dev.attributes.agent_id), 'device', 'devices.get(agent id)');
        assertEqual(byAgent.id, a.id, 'data.id');
        ctx.agentIdA = dev.attributes.agent_id;
        const devB = assertResource(await api.devices.get(pick().b.id), 'device', 'devices.get');
        ctx.agentIdB = devB.attributes.agent_id;
        return { agent_id: dev.attributes.agent_id };
    });

    await check('devices.get_unknown_404', async () => expectApiError(api.devices.get(UNKNOWN_DEVICE), { status: 404 }));

    await check('devices.get_wrong_type_404', async () => expectApiError(api.devices.get(devGroup), { status: 404 }));

    await check('devices.list_filters', async () => {
        const { a, b, c } = pick();
        const inGroup = assertList(await api.devices.list({ [Devices.FILTER_DEVICE_GROUP_ID]: devGroup }), 'list');
        assertEqual(ids(inGroup).sort(), [a.id, b.id, c.id].sort(), 'devices of the development group');
        const byProduct = assertList(await api.devices.list({ [Devices.FILTER_PRODUCT_ID]: ctx.product }), 'list');
        assertEqual(ids(byProduct).sort(), [a.id, b.id, c.id].sort(), 'devices of the main product');
        const byType = assertList(await api.devices.list({ [Devices.FILTER_DEVICE_GROUP_TYPE]: G.TYPE_DEVELOPMENT }), 'list');
        assertEqual(ids(byType).sort(), [a.id, b.id, c.id].sort(), 'devices in development groups');
        const rest = assertList(await api.devices.list(unassigned), 'list');
        assertEqual(rest.length, SEED.devices - 3, 'unassigned devices after assigning three');
        const owned = assertList(await api.devices.list({ [Devices.FILTER_DEVICE_GROUP_OWNER_ID]: ctx.accountId }), 'list');
        assertEqual(ids(owned).sort(), [a.id, b.id, c.id].sort(), 'devices in groups owned by the account');
        return 'ok';
    });

    await check('devices.pagination', async () => {
        const all = ids(assertList(await api.devices.list(null, 1, 100), 'list'));
        return assertPagination((n, s) => api.devices.list(null, n, s), all, 'devices');
    });

    await check('devices.update_name', async () => {
        const { a } = pick();
        const dev = assertResource(await api.devices.update(a.id, { name: 'hallway-thermostat' }), 'device', 'devices.update');
        assertEqual(dev.attributes.name, 'hallway-thermostat', 'attributes.name');
        const byMac = assertResource(await api.devices.update(a.attributes.mac_address, { name: 'hall' }), 'device', 'update(mac)');
        assertEqual(byMac.id, a.id, 'data.id when updated by MAC');
        assertEqual(byMac.attributes.name, 'hall', 'attributes.name');
        return 'ok';
    });

    await check('devices.update_name_roundtrip', async () => {
        // spec/devices.spec.js: set a name by id, MAC and agent id, then restore the original
        // value, which is null for an unnamed device
        const { c } = pick();
        const dev = assertResource(await api.devices.get(c.id), 'device', 'devices.get');
        const original = dev.attributes.name;
        for (const ident of [c.id, dev.attributes.mac_address, dev.attributes.agent_id]) {
            const set = assertResource(await api.devices.update(ident, { name: 'device test name' }), 'device', 'update');
            assertEqual(set.attributes.name, 'device test name', `name set via ${ident}`);
            const back = assertResource(await api.devices.update(ident, { name: original }), 'device', 'update');
            assertEqual(back.attributes.name, original, `name restored via ${ident}`);
        }
        return { original: original };
    });

    await check('devices.restart', async () => {
        const { a, b } = pick();
        assertEqual(await api.devices.restart(a.id), undefined, 'restart response (204)');
        await api.devices.restart(ctx.agentIdA);
        await api.devices.restart(b.attributes.mac_address);
        return 'ok';
    });

    await check('devices.conditional_restart', async () => {
        const { a } = pick();
        await api.devices.conditionalRestart(a.id);
        return 'ok';
    });

    await check('devices.restart_unassigned_refused', async () => {
        const { idle } = pick();
        return expectApiError(api.devices.restart(idle.id), { status: [400, 409] });
    });

    await check('devicegroups.restart', async () => {
        await api.deviceGroups.restartDevices(devGroup);
        return 'ok';
    });

    await check('devicegroups.conditional_restart', async () => {
        await api.deviceGroups.conditionalRestartDevices(devGroup);
        return 'ok';
    });

    await check('devices.add_unknown_device', async () =>
        // partial failure shape impt relies on: 400 whose errors[] elements have status 404 (reference 3.4)
        expectApiError(api.deviceGroups.addDevices(devGroup, UNKNOWN_DEVICE), { status: 400, elementStatus: 404 }));

    await check('devices.add_partial_failure', async () => {
        // not atomic (reference 3.4): the error lists only the device that failed
        const { idle } = pick();
        let err = null;
        try {
            await api.deviceGroups.addDevices(devGroup, idle.id, UNKNOWN_DEVICE);
        } catch (e) {
            err = e;
        }
        const res = await expectApiError(Promise.reject(err || new CheckFailure('addDevices succeeded')),
            { status: 400, elementStatus: 404 });
        assertEqual(err.body.errors.length, 1, 'errors[] entries (one unknown device)');
        const dev = assertResource(await api.devices.get(idle.id), 'device', 'devices.get');
        const assigned = 'devicegroup' in (dev.relationships || {});
        if (assigned) {
            await api.deviceGroups.removeDevices(devGroup, null, idle.id);
        }
        return Object.assign(res, { valid_device_assigned: assigned });
    });

    await check('devices.remove_not_assigned', async () => {
        // impt treats 400 with errors[].status 404 as "already unassigned" (reference 3.4)
        const { idle } = pick();
        return expectApiError(api.deviceGroups.removeDevices(devGroup, null, idle.id), { status: 400, elementStatus: 404 });
    });

    await check('devices.reassign_directly', async () => {
        // adding an assigned device to another group moves it (reference 3.4, [SPEC] O)
        const { c } = pick();
        const other = ctx.groupsB[G.TYPE_DEVELOPMENT];
        const before = assertResource(await api.devices.get(c.id), 'device', 'devices.get');
        // addressed by agent id this time (reference 3.4: id, MAC or agent id)
        await api.deviceGroups.addDevices(other, before.attributes.agent_id);
        const dev = assertResource(await api.devices.get(c.id), 'device', 'devices.get');
        assertRel(dev, 'devicegroup', G.TYPE_DEVELOPMENT, other, 'moved device');
        assertRel(dev, 'product', 'product', ctx.productB, 'moved device');
        const left = ids(assertList(await api.devices.list({ [Devices.FILTER_DEVICE_GROUP_ID]: devGroup }), 'list'));
        assert(!left.includes(c.id), 'moved device still listed in its old group');
        return 'ok';
    });

    await check('devices.add_to_fixture_group', async () => {
        const { fixture } = pick();
        const type = G.TYPE_PRE_FACTORY_FIXTURE;
        await api.deviceGroups.addDevices(ctx.groups[type], fixture.id);
        const dev = assertResource(await api.devices.get(fixture.id), 'device', 'devices.get');
        assertRel(dev, 'devicegroup', type, ctx.groups[type], 'fixture device');
        return { imp_type: fixture.attributes.imp_type };
    });

    await check('devices.imp001_not_in_fixture_group', async () => {
        // "imp001 devices are not allowed in factory groups" (reference 3.4, [HOWTO] known issues)
        const imp001 = ctx.devices.find((d) => d.attributes.imp_type === 'imp001');
        assert(imp001, 'scenario needs a seeded imp001 device');
        return expectApiError(api.deviceGroups.addDevices(ctx.groups[G.TYPE_PRE_FACTORY_FIXTURE], imp001.id),
            { status: 400, elementStatus: 'any' });
    });

    await check('devices.add_to_production_refused', async () => {
        const { idle } = pick();
        // a multi-device operation: the element status says why (reference 3.4)
        return expectApiError(api.deviceGroups.addDevices(ctx.groups[G.TYPE_PRODUCTION], idle.id),
            { status: [400, 403, 409], elementStatus: 'any' });
    });

    await check('devices.remove_from_group', async () => {
        const { b } = pick();
        const res = await api.deviceGroups.removeDevices(devGroup, null, b.attributes.mac_address);
        assertEqual(res, undefined, 'response body (204)');
        const dev = assertResource(await api.devices.get(b.id), 'device', 'devices.get');
        assert(!('devicegroup' in (dev.relationships || {})), () => `removed device still has ${short(dev.relationships.devicegroup)}`);
        const rest = ids(assertList(await api.devices.list(unassigned, 1, 100), 'list'));
        assert(rest.includes(b.id), 'removed device not listed as unassigned');
        return 'ok';
    });

    await check('devices.agent_id_persists', async () => {
        // The official client's own suite (spec/device_groups.spec.js, run against the real
        // cloud) removes devices by MAC, adds them back by MAC, then removes them by the agent
        // ids it read after the FIRST assignment, and adds the now unassigned devices back by
        // those agent ids. So a device keeps its agent id across unassign/reassign, and the
        // agent id addresses it in relationships/devices bodies even while it is unassigned.
        const { b } = pick();
        const agentId = ctx.agentIdB;
        assert(agentId, 'scenario bug: agent id of the device was not recorded while assigned');
        const problems = [];
        const attempt = async (what, fn) => {
            try {
                await fn();
            } catch (err) {
                problems.push(`${what}: ${err instanceof CheckFailure ? err.message : short(describeError(err))}`);
            }
        };
        try {
            await attempt('re-add by MAC', async () => {
                await api.deviceGroups.addDevices(devGroup, b.attributes.mac_address);
                const again = assertResource(await api.devices.get(b.id), 'device', 'devices.get');
                assertEqual(again.attributes.agent_id, agentId, 'agent_id after unassign and reassign');
            });
            await attempt('remove by the agent id read at the first assignment', () =>
                api.deviceGroups.removeDevices(devGroup, null, agentId));
            await attempt('add the unassigned device back by that agent id', async () => {
                const now = await api.devices.get(b.id);
                if ('devicegroup' in (now.data.relationships || {})) {
                    await api.deviceGroups.removeDevices(devGroup, null, b.id);
                }
                await api.deviceGroups.addDevices(devGroup, agentId);
                const back = assertResource(await api.devices.get(b.id), 'device', 'devices.get');
                assertRel(back, 'devicegroup', G.TYPE_DEVELOPMENT, devGroup, 'device added back by agent id');
            });
        } finally {
            const now = await api.devices.get(b.id);
            if ('devicegroup' in (now.data.relationships || {})) {
                await api.deviceGroups.removeDevices(now.data.relationships.devicegroup.id, null, b.id);
            }
        }
        assert(problems.length === 0, () => problems.join(' | '));
        return { agent_id: agentId };
    });

    await check('devices.production_unbond', async () => {
        // devices reach production groups by blessing (admin hook here); moving them between
        // (pre-)production groups of the product is allowed by hand, removing them needs the
        // unbond key (reference 3.4)
        const { idle } = pick();
        const prod = ctx.groups[G.TYPE_PRODUCTION];
        await admin('POST', `/_emulator/devices/${idle.id}/assign`, { devicegroup: prod });
        let dev = assertResource(await api.devices.get(idle.id), 'device', 'devices.get');
        assertRel(dev, 'devicegroup', G.TYPE_PRODUCTION, prod, 'blessed device');
        await api.deviceGroups.addDevices(ctx.extraGroups.production, idle.id);
        dev = assertResource(await api.devices.get(idle.id), 'device', 'devices.get');
        assertRel(dev, 'devicegroup', G.TYPE_PRODUCTION, ctx.extraGroups.production, 'device moved between production groups');
        const without = await expectApiError(
            api.deviceGroups.removeDevices(ctx.extraGroups.production, null, idle.id), { status: [400, 401, 403] });
        await expectApiError(
            api.deviceGroups.removeDevices(ctx.extraGroups.production, 'wrong-unbond-key', idle.id), { status: [400, 401, 403] });
        await api.deviceGroups.removeDevices(ctx.extraGroups.production, SEED.unbondKey, idle.id);
        dev = assertResource(await api.devices.get(idle.id), 'device', 'devices.get');
        assert(!('devicegroup' in (dev.relationships || {})), 'device still assigned after unbond');
        return { without_key: without };
    });

    await check('devicegroups.delete_with_devices_refused', async () =>
        expectApiError(api.deviceGroups.delete(devGroup), { status: [400, 409] }));

    await check('devicegroups.delete_target_refused', async () =>
        expectApiError(api.deviceGroups.delete(ctx.groups[G.TYPE_PRE_DUT]), { status: [400, 409] }));
}

async function logsArea() {
    const dev = ctx.logDevice;
    const deviceId = dev.id;
    const lines = ['boot: conformance 1', 'temperature=21.5', 'boot: conformance 3'];

    await check('devices.logs', async () => {
        for (const line of lines) {
            await injectLog(deviceId, line);
            await sleep(5);
        }
        const res = await api.devices.getLogs(deviceId);
        const items = assertList(res, 'getLogs');
        const msgs = items.map((e) => e.msg);
        for (const line of lines) {
            assert(msgs.includes(line), () => `log line ${JSON.stringify(line)} missing from ${short(msgs)}`);
        }
        for (const entry of items) {
            assert(typeof entry.ts === 'string' && typeof entry.type === 'string' && typeof entry.msg === 'string',
                () => `log entries must be plain {ts, type, msg}: ${short(entry)}`);
            assert(RE.timestamp.test(entry.ts), () => `log ts ${entry.ts}`);
        }
        return { count: items.length };
    });

    await check('devices.logs.newest_first', async () => {
        const items = assertList(await api.devices.getLogs(deviceId), 'getLogs');
        const msgs = items.map((e) => e.msg).filter((m) => lines.includes(m));
        assertEqual(msgs, [...lines].reverse(), 'order of the injected lines');
        return 'ok';
    });

    await check('devices.logs.by_mac_and_agent_id', async () => {
        const byMac = assertList(await api.devices.getLogs(dev.attributes.mac_address), 'getLogs(mac)');
        const fresh = assertResource(await api.devices.get(deviceId), 'device', 'devices.get');
        const byAgent = assertList(await api.devices.getLogs(fresh.attributes.agent_id), 'getLogs(agent id)');
        const byId = assertList(await api.devices.getLogs(deviceId), 'getLogs(id)');
        assertEqual(byMac.length, byId.length, 'log count by MAC');
        assertEqual(byAgent.length, byId.length, 'log count by agent id');
        return 'ok';
    });

    await check('devices.logs.pagination', async () => {
        // log entries have no id: key them by their JSON text plus an occurrence counter
        const keyer = () => {
            const seen = {};
            return (e) => {
                const text = JSON.stringify(e);
                seen[text] = (seen[text] || 0) + 1;
                return `${text}#${seen[text]}`;
            };
        };
        const all = assertList(await api.devices.getLogs(deviceId, 1, 100), 'getLogs');
        const keys = all.map(keyer());
        const walkKey = keyer();
        return assertPagination(async (n, s) => {
            const res = await api.devices.getLogs(deviceId, n, s);
            return { data: assertList(res, 'getLogs').map((e) => ({ id: walkKey(e) })), links: res.links };
        }, keys, 'device logs');
    });

    await check('devices.logs.unknown_404', async () =>
        expectApiError(api.devices.getLogs(UNKNOWN_DEVICE), { status: 404 }));
}

async function logStreamsArea() {
    const dev = ctx.logDevice;
    const deviceId = dev.id;
    const messages = [];
    const states = [];
    const errors = [];
    let streamId = null;

    await check('logstreams.create', async () => {
        const res = await api.logStreams.create(
            (msg) => messages.push(msg), (state) => states.push(state), (err) => errors.push(String(err)));
        assert(res && res.data && typeof res.data.id === 'string' && res.data.id.length > 0,
            () => `expected {data: {id}}, got ${short(res)}`);
        streamId = res.data.id;
        return { id: streamId, type: res.data.type };
    });

    await check('logstreams.add_device', async () => {
        await api.logStreams.addDevice(streamId, ctx.agentIdA);
        await waitFor(() => states.find((s) => s.includes(deviceId) && s.includes('subscribed')), 5000,
            () => `a "subscribed" state event for ${deviceId} (states so far: ${short(states)})`);
        return { states: states };
    });

    await check('logstreams.receive_message', async () => {
        const line = `stream check ${Date.now()}`;
        await injectLog(deviceId, line);
        const msg = await waitFor(() => messages.find((m) => m.includes(line)), 5000,
            () => `the injected line on the stream (messages so far: ${short(messages)})`);
        // text format: <device_id> <ts> <log_type> <type> <msg> (reference 9)
        const parts = msg.split(' ');
        assertEqual(parts[0], deviceId, 'text format: device id');
        assert(RE.timestamp.test(parts[1]), () => `text format: timestamp ${parts[1]} in ${JSON.stringify(msg)}`);
        assert(['development', 'production'].includes(parts[2]), () => `text format: log_type ${parts[2]}`);
        assertEqual(parts[3], 'server.log', 'text format: type');
        assertEqual(parts.slice(4).join(' '), line, 'text format: message');
        return { message: msg };
    });

    await check('logstreams.add_unknown_device', async () =>
        expectApiError(api.logStreams.addDevice(streamId, UNKNOWN_DEVICE), { status: 404 }));

    await check('logstreams.restart_runs_deployed_code', async () => {
        // spec/logstreams.spec.js: deploy code that calls server.log("Hello World, from your
        // Device!") / ("… Agent!"), restart an online device that is on the stream, and expect
        // one of those lines on the stream within 5 s. The emulator's seeded devices are online.
        const group = ctx.groups[DeviceGroups.TYPE_DEVELOPMENT];
        await api.deployments.create(group, DeviceGroups.TYPE_DEVELOPMENT, {
            device_code: 'server.log("Hello World, from your Device!");',
            agent_code: 'server.log("Hello World, from your Agent!");',
        });
        const before = messages.length;
        await api.devices.restart(deviceId);
        await waitFor(() => messages.slice(before).find((m) => m.includes('Hello World, from your')), 5000,
            () => `the deployed code's server.log output on the stream after a restart (messages: ${short(messages.slice(before))})`);
        return { messages: messages.slice(before) };
    });

    await check('logstreams.remove_device', async () => {
        await api.logStreams.removeDevice(streamId, deviceId);
        await waitFor(() => states.find((s) => s.includes(deviceId) && s.includes('unsubscribed')), 5000,
            () => `an "unsubscribed" state event (states so far: ${short(states)})`);
        const before = messages.length;
        await injectLog(deviceId, 'after unsubscribe');
        await sleep(300);
        assert(messages.length === before, () => `message received after removeDevice: ${short(messages.slice(before))}`);
        return 'ok';
    });

    await check('logstreams.close', async () => {
        await api.logStreams.close(streamId);
        let rejected = null;
        try {
            await api.logStreams.close(streamId);
        } catch (err) {
            rejected = err;
        }
        assert(rejected instanceof InvalidDataError, 'closing twice must reject with InvalidDataError');
        assertEqual(errors, [], 'errors reported by the stream');
        return 'ok';
    });

    await check('logstreams.five_device_limit', async () => {
        // at most five devices per stream; adding a sixth drops the least recently added (reference 9)
        const free = assertList(await api.devices.list({ [Devices.FILTER_DEVICE_GROUP_OWNER_ID]: 'null' }, 1, 100), 'list');
        const group = ctx.groups[DeviceGroups.TYPE_DEVELOPMENT];
        const extra = free.slice(0, 5).map((d) => d.id);
        if (extra.length > 0) {
            await api.deviceGroups.addDevices(group, ...extra);
        }
        const inGroup = ids(assertList(await api.devices.list({ [Devices.FILTER_DEVICE_GROUP_ID]: group }, 1, 100), 'list'));
        assert(inGroup.length >= 6, () => `scenario needs six assigned devices, has ${inGroup.length}`);
        const six = inGroup.slice(0, 6);
        const msgs = [];
        const sts = [];
        const res = await api.logStreams.create((m) => msgs.push(m), (st) => sts.push(st));
        const id = res.data.id;
        try {
            for (const dev of six) {
                await api.logStreams.addDevice(id, dev);
                await waitFor(() => sts.find((st) => st.includes(dev) && st.includes(' subscribed')), 5000,
                    () => `subscribed state for ${dev} (states: ${short(sts)})`);
            }
            const first = `evicted ${Date.now()}`;
            const last = `kept ${Date.now()}`;
            await injectLog(six[0], first);
            await injectLog(six[5], last);
            await waitFor(() => msgs.find((m) => m.includes(last)), 5000, () => `the line of the sixth device (messages: ${short(msgs)})`);
            await sleep(200);
            assert(!msgs.some((m) => m.includes(first)),
                () => `the least recently added device was not dropped: ${short(msgs)}`);
            return { states: sts };
        } finally {
            await api.logStreams.close(id);
        }
    });

    await check('logstreams.new_stream_closes_old', async () => {
        // one open stream per account: opening another closes the first (reference 9, 12)
        const aMsgs = [];
        const aStates = [];
        const a = await api.logStreams.create((m) => aMsgs.push(m), (st) => aStates.push(st));
        await api.logStreams.addDevice(a.data.id, ctx.agentIdA);
        await waitFor(() => aStates.find((st) => st.includes('subscribed')), 5000, () => `subscribed state (states: ${short(aStates)})`);
        const b = await api.logStreams.create(() => {}, null);
        try {
            await waitFor(() => aStates.find((st) => st.includes('closed')), 5000,
                () => `a "closed" state on the first stream (states: ${short(aStates)})`);
            const before = aMsgs.length;
            await injectLog(deviceId, `after close ${Date.now()}`);
            await sleep(300);
            assertEqual(aMsgs.slice(before), [], 'messages on the closed stream');
            await expectApiError(api.logStreams.addDevice(a.data.id, deviceId), { status: [400, 404, 410] });
            return { states: aStates };
        } finally {
            await api.logStreams.close(a.data.id);
            await api.logStreams.close(b.data.id);
        }
    });

    await check('logstreams.json_format_by_mac', async () => {
        const jsonMessages = [];
        const jsonStates = [];
        const res = await api.logStreams.create((m) => jsonMessages.push(m), (s) => jsonStates.push(s), null,
            LogStreams.FORMAT_JSON);
        const id = res.data.id;
        try {
            await api.logStreams.addDevice(id, dev.attributes.mac_address);
            await waitFor(() => jsonStates.find((s) => s.includes('subscribed')), 5000,
                () => `a subscribed state (states so far: ${short(jsonStates)})`);
            const line = `json stream check ${Date.now()}`;
            await injectLog(deviceId, line, 'agent.log');
            const raw = await waitFor(() => jsonMessages.find((m) => m.includes(line)), 5000,
                () => `the injected line (messages so far: ${short(jsonMessages)})`);
            const msg = JSON.parse(raw);
            assertEqual(msg.device_id, deviceId, 'device_id');
            assertEqual(msg.type, 'agent.log', 'type');
            assertEqual(msg.msg, line, 'msg');
            assert(RE.timestamp.test(msg.ts), () => `ts ${msg.ts}`);
            assert(['development', 'production'].includes(msg.log_type), () => `log_type ${msg.log_type}`);
            const state = JSON.parse(jsonStates.find((s) => s.includes('subscribed')));
            assertEqual(state.state, 'subscribed', 'JSON state_change state');
            return { message: msg };
        } finally {
            await api.logStreams.close(id);
        }
    });
}

// A second account (not production-enabled) sees none of the first one's resources.
async function isolationArea() {
    const G = DeviceGroups;

    await check('accounts.isolation', async () => {
        await api.auth.getAccessToken(SEED.otpLoginKey);
        try {
            const me = assertResource(await api.accounts.get('me'), 'account', 'accounts.get(me)');
            assert(me.id !== ctx.accountId, 'the second login key logs in to the first account');
            await expectApiError(api.products.get(ctx.product), { status: 404 });
            await expectApiError(api.deviceGroups.get(ctx.groups[G.TYPE_DEVELOPMENT]), { status: 404 });
            await expectApiError(api.devices.get(ctx.logDevice.id), { status: 404 });
            await expectApiError(api.deployments.get(ctx.deployments.v2), { status: 404 });
            await expectApiError(api.webhooks.get(ctx.webhooks.deploy), { status: 404 });
            await expectApiError(api.accounts.get(ctx.accountId), { status: [403, 404] });
            await expectApiError(api.devices.getLogs(ctx.logDevice.id), { status: 404 });
            const stream = await api.logStreams.create(() => {});
            try {
                await expectApiError(api.logStreams.addDevice(stream.data.id, ctx.logDevice.id), { status: 404 });
            } finally {
                await api.logStreams.close(stream.data.id);
            }
            for (const [what, list] of [['products', api.products], ['devicegroups', api.deviceGroups],
                ['deployments', api.deployments], ['webhooks', api.webhooks], ['devices', api.devices]]) {
                assertEqual(assertList(await list.list(), what).length, 0, `${what} visible to the second account`);
            }
            // a product name is unique per account only
            const product = assertResource(await api.products.create({ name: 'conformance-thermostat-v2' }),
                'product', 'products.create (second account)');
            ctx.otpProduct = product.id;
            return 'ok';
        } finally {
            await useMainAccount();
        }
    });

    await check('pagination.default_and_max_page_size', async () => {
        // default page size 20, maximum 100 (reference 7, section 12)
        await api.auth.getAccessToken(SEED.otpLoginKey);
        try {
            const me = assertResource(await api.accounts.get('me'), 'account', 'accounts.get(me)');
            await admin('POST', '/_emulator/devices', { account: me.id, devices: Array.from({ length: 105 }, () => ({})) });
            const first = await api.devices.list();
            assertEqual(assertList(first, 'devices.list()').length, 20, 'items without page parameters');
            assert('next' in first.links, 'links.next missing on the first of several pages');
            const big = await api.devices.list(null, 1, 500);
            assertEqual(assertList(big, 'devices.list(null, 1, 500)').length, 100, 'items with page[size]=500');
            const second = await api.devices.list(null, 2, 100);
            assertEqual(assertList(second, 'devices.list(null, 2, 100)').length, 5, 'items on page 2 of 100');
            assert(!('next' in second.links), 'links.next on the last page');
            return 'ok';
        } finally {
            await useMainAccount();
        }
    });

    await check('devicegroups.create.production_without_permission', async () => {
        await api.auth.getAccessToken(SEED.otpLoginKey);
        try {
            const dev = await createGroup('dev', G.TYPE_DEVELOPMENT, {}, null, null, ctx.otpProduct);
            // another account's device is "not found" in a multi-device operation
            await expectApiError(api.deviceGroups.addDevices(dev.id, ctx.logDevice.id), { status: 400, elementStatus: 404 });
            const res = await expectApiError(
                api.deviceGroups.create(ctx.otpProduct, G.TYPE_PRODUCTION, { name: 'prod' }),
                { status: 403, contains: MSG.invalidPermission });
            await api.deviceGroups.delete(dev.id);
            await api.products.delete(ctx.otpProduct);
            return res;
        } finally {
            await useMainAccount();
        }
    });
}

// The emulator's fault and rate-limit hooks, as the official client sees them.
async function faultsArea() {
    await check('errors.injected_503', async () => {
        await admin('POST', '/_emulator/faults', { method: 'GET', path: '/v5/products', status: 503, count: 1 });
        const res = await expectApiError(api.products.list(), { status: 503 });
        assertList(await api.products.list(), 'products.list after the fault');
        return res;
    });

    await check('errors.rate_limited_429', async () => {
        // reference 8: 429 with an errors body; the official client does not retry
        await admin('POST', '/_emulator/ratelimit', { limit: 5 });
        try {
            const results = await Promise.allSettled(Array.from({ length: 15 }, () => api.products.list()));
            const limited = results.filter((r) => r.status === 'rejected');
            assert(limited.length > 0, 'no request was rate limited');
            for (const r of limited) {
                await expectApiError(Promise.reject(r.reason), { status: 429 });
            }
            await sleep(1100); // the window is one second
            assertList(await api.products.list(), 'products.list after the window');
            return { limited: limited.length, ok: results.length - limited.length, message: limited[0].reason.message };
        } finally {
            await admin('POST', '/_emulator/ratelimit', { limit: null });
        }
    });
}

// Teardown through the API, in the order the delete rules require (reference 3.2, 3.3, 5).
async function cleanupArea() {
    const G = DeviceGroups;

    await check('cleanup.unassign_devices', async () => {
        const assigned = assertList(await api.devices.list(null, 1, 100), 'list')
            .filter((d) => 'devicegroup' in (d.relationships || {}));
        for (const dev of assigned) {
            await api.deviceGroups.removeDevices(dev.relationships.devicegroup.id, null, dev.id);
        }
        const rest = assertList(await api.devices.list({ [Devices.FILTER_DEVICE_GROUP_OWNER_ID]: 'null' }, 1, 100), 'list');
        assertEqual(rest.length, SEED.devices, 'unassigned devices after cleanup');
        return { unassigned: assigned.length };
    });

    await check('devicegroups.delete_with_flagged_deployments_refused', async () =>
        // section 13 item 5, docs/emulator.md: refused while the group has flagged deployments
        expectApiError(api.deviceGroups.delete(ctx.groups[G.TYPE_DEVELOPMENT]), { status: 409 }));

    await check('cleanup.delete_groups', async () => {
        const flagged = assertList(await api.deployments.list({ [Deployments.FILTER_FLAGGED]: true }), 'list');
        for (const dep of flagged) {
            await api.deployments.update(dep.id, { flagged: false });
        }
        // fixture groups first: they reference the other groups as targets
        const order = [G.TYPE_PRE_FACTORY_FIXTURE, G.TYPE_FACTORY_FIXTURE];
        const groups = assertList(await api.deviceGroups.list(null, 1, 100), 'list');
        groups.sort((x, y) => order.includes(y.type) - order.includes(x.type));
        for (const group of groups) {
            await api.deviceGroups.delete(group.id);
        }
        assertEqual(assertList(await api.deviceGroups.list(), 'list').length, 0, 'device groups left');
        return { deleted: groups.length };
    });

    await check('deployments.after_group_delete', async () => {
        const left = assertList(await api.deployments.list(null, 1, 100), 'deployments.list');
        if (GROUP_DELETE === 'cascade') {
            // impCentral since 2024 (reference 3.3): the group's deployments go with it
            assertEqual(ids(left), [], 'deployments left after deleting every device group');
            await expectApiError(api.deployments.get(ctx.deployments.v2), { status: 404 });
            return { mode: GROUP_DELETE };
        }
        // Issue 2 and docs/emulator.md decision 6 (default `--group-delete keep`): a deleted
        // group's deployments stay as "zombie" builds, as impt's `build cleanup --zombie` knew
        // them (reference 3.3, 5): no devicegroup relationship (absent, not null), product kept.
        assert(left.length > 0, 'no deployment outlived its deleted group');
        for (const dep of left) {
            const rels = dep.relationships || {};
            assert(!('devicegroup' in rels), () => `zombie ${dep.id} still has devicegroup ${short(rels.devicegroup)}`);
            assert(rels.product && [ctx.product, ctx.productB].includes(rels.product.id),
                () => `zombie ${dep.id}: relationships.product ${short(rels.product)}`);
        }
        const one = left[0];
        const got = assertResource(await api.deployments.get(one.id), 'deployment', 'deployments.get(zombie)');
        assert(!('devicegroup' in (got.relationships || {})), 'zombie read back with a devicegroup');
        // unflagged zombies can be deleted (impt `build cleanup`)
        assertEqual(await api.deployments.delete(one.id), undefined, 'delete response body (204)');
        await expectApiError(api.deployments.get(one.id), { status: 404 });
        return { mode: GROUP_DELETE, zombies: left.length };
    });

    await check('cleanup.delete_device', async () => {
        const dev = ctx.devices[0];
        const res = await api.devices.delete(dev.id);
        assertEqual(res, undefined, 'delete response body (204)');
        await expectApiError(api.devices.get(dev.id), { status: 404 });
        assertEqual(assertList(await api.devices.list(null, 1, 100), 'list').length, SEED.devices - 1, 'devices left');
        return 'ok';
    });

    await check('cleanup.delete_products', async () => {
        for (const id of [ctx.product, ctx.productB]) {
            await api.products.delete(id);
        }
        assertEqual(assertList(await api.products.list(), 'list').length, 0, 'products left');
        // docs/emulator.md decision 6: deleting a product deletes its remaining zombie builds
        assertEqual(ids(assertList(await api.deployments.list(), 'list')), [], 'deployments left');
        return 'ok';
    });
}

// ---------------------------------------------------------------------------------------------

const AREAS = [
    authArea, accountsArea, loginKeysArea, productsArea, deviceGroupsArea, deploymentsArea,
    webhooksArea, devicesArea, logsArea, logStreamsArea, isolationArea, faultsArea, cleanupArea,
];

async function main() {
    let host;
    try {
        host = new URL(V5_URL).hostname;
    } catch (err) {
        host = null;
    }
    if (!host || !['127.0.0.1', 'localhost', '[::1]'].includes(host) || new URL(BASE_URL).hostname !== host) {
        emit('setup.loopback_endpoint', false,
            `EMULATOR_V5_URL/EMULATOR_BASE_URL must be loopback http URLs, got ${JSON.stringify([V5_URL, BASE_URL])}`);
        return 1;
    }
    for (const area of AREAS) {
        try {
            await area();
        } catch (err) {
            // a bug in the scenario itself, not an expectation failure
            emit(`${area.name}.aborted`, false, describeError(err));
        }
    }
    return failures === 0 ? 0 : 1;
}

// Exit explicitly (keep-alive sockets would hold the process open), once stdout has drained:
// writes to a pipe are asynchronous on some platforms.
function exit(code) {
    process.stdout.write('', () => process.exit(code));
}

main().then(
    (code) => exit(code),
    (err) => {
        process.stderr.write(String(err && err.stack) + '\n');
        exit(2);
    });
