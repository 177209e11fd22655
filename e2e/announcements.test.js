"use strict";

// End-to-end: announcements and tags against a running OpenBackbone, driven
// by the published @nmshd/transport 7.0.0. An operator publishes
// announcements through the Admin API (X-API-KEY "test" of the dev
// landscape and the XSRF pair, lib/admin.js); identities read them through
// AccountController.announcements (AnnouncementController and its
// AnnouncementClient: GET /api/v2/Announcements?language=…) in their
// language with English as fallback, only the global ones and those naming
// them; a visible announcement wakes the recipient's server-sent event
// stream with NewAnnouncement. The TagClient reads the dev landscape's tag
// tree and gets 304 (undefined) with its ETag.
// Needs BACKBONE_BASE_URL (fails, never skips, without it).

const assert = require("node:assert/strict");
const { after, describe, it } = require("node:test");
const { TagClient } = require("@nmshd/transport");

const { expectSuccess } = require("./lib/assertions");
const { adminRequest } = require("./lib/admin");
const { getTransportConfig } = require("./lib/config");
const { recordExchanges } = require("./lib/sync");
const { newSession, plain } = require("./lib/session");
const { EventStream, streamRegistry } = require("./lib/push");

const TEST = { timeout: 120_000 };

const streams = streamRegistry();
after(async () => await streams.closeAll());

const { getAccount, step } = newSession((created, label, exchanges) => {
    // the controllers' clients are private in TypeScript only
    recordExchanges(created.account.announcements.client, label, exchanges);
});

/** A visible announcement in English and German with two actions (the second labelled in English only). */
function announcementBody(overrides = {}) {
    return {
        severity: "Medium",
        isSilent: false,
        expiresAt: "2040-01-02T03:04:05.678Z",
        texts: [
            { language: "en", title: "Maintenance e2e", body: "Down on Sunday." },
            { language: "de", title: "Wartung e2e", body: "Am Sonntag nicht erreichbar." }
        ],
        actions: [
            { displayName: { en: "Details", de: "Mehr dazu" }, link: "https://example.org/details" },
            { displayName: { en: "Status" }, link: "https://status.example.org" }
        ],
        ...overrides
    };
}

async function publish(body) {
    const r = await adminRequest("POST", "/api/v1/Announcements", body);
    assert.equal(r.status, 201, `POST /api/v1/Announcements: ${r.text}`);
    assert.match(r.json.result.id, /^ANC[A-Za-z0-9]{17}$/);
    return r.json.result;
}

async function announcementsOf(label, language) {
    const { account } = await getAccount(label);
    const list = await step(`${label}: getAnnouncements(${language})`, () => account.announcements.getAnnouncements(language));
    return list.map(plain);
}

describe("announcements", () => {
    it("an announcement published through the Admin API reaches the client in its language", TEST, async () => {
        const a = await getAccount("A");
        const b = await getAccount("B");
        const config = await getTransportConfig();
        const streamA = await streams.open(config, a.account.authenticator, "A stream");
        assert.ok(streamA instanceof EventStream, `GET /api/v2/sse refused: ${JSON.stringify(streamA)}`);
        await streamA.waitFor("ConnectionOpened");

        const global = await publish(announcementBody());
        assert.deepEqual(global.recipients, []);
        assert.equal(global.severity, "Medium");
        const forB = await publish(announcementBody({ severity: "High", recipients: [b.account.identity.address.toString()] }));
        assert.deepEqual(forB.recipients, [b.account.identity.address.toString()]);
        const silentForA = await publish(
            announcementBody({ isSilent: true, iqlQuery: "#Street", recipients: [a.account.identity.address.toString()], expiresAt: null })
        );

        // the global one wakes A's device (the silent one and B's do not count)
        const event = await streamA.waitFor("NewAnnouncement", { what: "the NewAnnouncement push" });
        assert.ok(event);

        const listA = await announcementsOf("A", "de");
        const ids = listA.map((x) => x.id);
        assert.ok(ids.includes(global.id), `A sees the global announcement: ${JSON.stringify(ids)}`);
        assert.ok(ids.includes(silentForA.id), "A sees the one naming A");
        assert.ok(!ids.includes(forB.id), "A does not see the one for B");
        const mineGlobal = listA.find((x) => x.id === global.id);
        assert.equal(mineGlobal.title, "Wartung e2e");
        assert.equal(mineGlobal.body, "Am Sonntag nicht erreichbar.");
        assert.equal(mineGlobal.severity, "Medium");
        assert.deepEqual(
            mineGlobal.actions.map((x) => [x.displayName, x.link]),
            [
                ["Mehr dazu", "https://example.org/details"],
                ["Status", "https://status.example.org"]
            ],
            "action labels in German, English where there is none"
        );
        assert.match(mineGlobal.expiresAt, /^2040-01-02T03:04:05\.678Z$/);
        const silent = listA.find((x) => x.id === silentForA.id);
        assert.equal(silent.iqlQuery, "#Street");
        assert.equal(silent.expiresAt ?? null, null, "no expiry");

        const listB = await announcementsOf("B", "fr");
        const forBSeen = listB.find((x) => x.id === forB.id);
        assert.ok(forBSeen, "B sees the one naming B");
        assert.equal(forBSeen.title, "Maintenance e2e", "no French text: English");
        assert.equal(forBSeen.severity, "High");
        assert.ok(!listB.some((x) => x.id === silentForA.id), "B does not see the one for A");

        // an operator's list, details and deletion
        const all = await adminRequest("GET", "/api/v1/Announcements");
        assert.equal(all.status, 200, all.text);
        assert.ok(all.json.result.some((x) => x.id === forB.id));
        const one = await adminRequest("GET", `/api/v1/Announcements/${global.id}`);
        assert.equal(one.status, 200, one.text);
        assert.deepEqual(one.json.result.texts, announcementBody().texts);
        const del = await adminRequest("DELETE", `/api/v1/Announcements/${global.id}`);
        assert.equal(del.status, 204, del.text);
        assert.equal((await adminRequest("GET", `/api/v1/Announcements/${global.id}`)).status, 404);
        assert.ok(!(await announcementsOf("A", "en")).some((x) => x.id === global.id), "a deleted announcement is gone for A");
    });

    it("the Admin API refuses invalid announcements and requests without key or XSRF pair", TEST, async () => {
        const noEnglish = await adminRequest("POST", "/api/v1/Announcements", announcementBody({ texts: [{ language: "de", title: "t", body: "b" }] }));
        assert.equal(noEnglish.status, 400, noEnglish.text);
        assert.equal(noEnglish.json.error.code, "error.platform.validation.invalidPropertyValue");
        const iql = await adminRequest("POST", "/api/v1/Announcements", announcementBody({ iqlQuery: "#Street" }));
        assert.equal(iql.status, 400, iql.text);
        assert.equal(iql.json.error.code, "error.platform.validation.nonSilentAnnouncementCannotHaveIqlQuery");
        const noKey = await adminRequest("GET", "/api/v1/Announcements", undefined, { headers: { "X-API-KEY": "wrong" } });
        assert.equal(noKey.status, 401);
        const noXsrf = await adminRequest("POST", "/api/v1/Announcements", announcementBody(), { headers: { "X-XSRF-TOKEN": "forged" } });
        assert.equal(noXsrf.status, 400, noXsrf.text);
    });

    it("the client's language must be an ISO 639-1 code", TEST, async () => {
        const { account } = await getAccount("A");
        await assert.rejects(account.announcements.getAnnouncements("xx"), (e) => {
            assert.match(`${e.code ?? ""} ${e.message}`, /invalidPropertyValue/);
            return true;
        });
    });
});

describe("tags", () => {
    it("the TagClient reads the tag tree and its ETag, then 304 with that ETag", TEST, async () => {
        const { account } = await getAccount("A");
        const config = await getTransportConfig();
        const client = new TagClient(config, account.authenticator);
        const first = await client.getTagCollection();
        expectSuccess(first, "getTagCollection");
        assert.ok(first.value.supportedLanguages.includes("en"), JSON.stringify(first.value));
        assert.ok(first.value.supportedLanguages.includes("de"));
        const tree = first.value.tagsForAttributeValueTypes;
        assert.ok(Object.keys(tree).length > 0, "the dev landscape has at least one tag");
        for (const tags of Object.values(tree)) {
            for (const tag of Object.values(tags)) {
                assert.deepEqual(Object.keys(tag.displayNames).sort(), [...first.value.supportedLanguages].sort());
                assert.equal(typeof tag.children, "object");
            }
        }
        assert.match(first.etag ?? "", /^"[A-Za-z0-9+/]{22}=="$/, "ETag: quoted base64 of an MD5");
        const again = await client.getTagCollection(first.etag);
        assert.equal(again, undefined, "a matching If-None-Match gives 304, which the client reports as unchanged");
        const stale = await client.getTagCollection('"stale"');
        expectSuccess(stale, "getTagCollection with a stale ETag");
        assert.deepEqual(stale.value, first.value);
    });
});
