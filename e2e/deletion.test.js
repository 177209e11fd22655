"use strict";

// End-to-end: identity deletion processes against a running OpenBackbone,
// driven by the published @nmshd/transport 7.0.0
// AccountController.identityDeletionProcess: A, related to B, starts its
// deletion and cancels it; B learns of both through sync (PeerToBeDeleted,
// PeerDeletionCancelled set and clear the relationship's peerDeletionInfo).
// Needs BACKBONE_BASE_URL (fails, never skips, without it).

const assert = require("node:assert/strict");
const { describe, it } = require("node:test");
const { CoreDate } = require("@nmshd/core-types");
const { IdentityDeletionProcessStatus, PeerDeletionStatus } = require("@nmshd/transport");

const { expectId } = require("./lib/assertions");
const { addRelationship, syncUntil } = require("./lib/relationships");
const { newSession } = require("./lib/session");

const TEST = { timeout: 120_000 };

const { getAccount, step } = newSession((created, label, exchanges) => {
    const { recordExchanges } = require("./lib/sync");
    // the controller's client is private in TypeScript only
    recordExchanges(created.account.identityDeletionProcess.identityDeletionProcessClient, label, exchanges);
});

let relationshipPromise;
function getRelationship() {
    relationshipPromise ??= (async () => {
        const [a, b] = await Promise.all([getAccount("A"), getAccount("B")]);
        const r = await step("addRelationship A←B", () => addRelationship(a, b));
        return { a, b, id: r.id };
    })();
    return relationshipPromise;
}

/** B syncs until its view of the relationship has the peer deletion status (undefined: none). */
async function peerDeletionSeenByB(b, id, status) {
    const matches = (r) => r.id.toString() === id.toString() && r.peerDeletionInfo?.deletionStatus === status;
    await syncUntil(b, (items) => items.relationships.some(matches), { what: `peerDeletionInfo ${status}` });
    const rel = await b.account.relationships.getRelationship(id);
    return rel.peerDeletionInfo;
}

describe("identity deletion process (POST/PUT /api/v2/Identities/Self/DeletionProcesses)", () => {
    it("A starts its deletion with the default grace period and B is told", TEST, async () => {
        const { a, b, id } = await getRelationship();
        const before = CoreDate.utc();
        const process = await step("initiateIdentityDeletionProcess", () => a.account.identityDeletionProcess.initiateIdentityDeletionProcess());
        expectId(process.id.toString(), "IDP", "process.id");
        assert.equal(process.status, IdentityDeletionProcessStatus.Active);
        assert.equal(process.createdByDevice.toString(), a.account.activeDevice.id.toString());
        const days = process.gracePeriodEndsAt.dateTime.diff(before.dateTime, "days").days;
        assert.ok(days > 13.99 && days < 14.01, `grace period of ${days} days`);

        const stored = await a.account.identityDeletionProcess.getIdentityDeletionProcessByStatus(IdentityDeletionProcessStatus.Active);
        assert.equal(stored?.id.toString(), process.id.toString(), "the package keeps the active process");
        const reloaded = await step("updateExistingIdentityDeletionProcessFromBackbone", () =>
            a.account.identityDeletionProcess.updateExistingIdentityDeletionProcessFromBackbone(process.id.toString())
        );
        assert.equal(reloaded.gracePeriodEndsAt.toISOString(), process.gracePeriodEndsAt.toISOString());

        const info = await step("B syncs PeerToBeDeleted", () => peerDeletionSeenByB(b, id, PeerDeletionStatus.ToBeDeleted));
        assert.equal(info.deletionDate.toISOString(), process.gracePeriodEndsAt.toISOString(), "deletionDate is the end of the grace period");

        await assert.rejects(
            () => a.account.identityDeletionProcess.initiateIdentityDeletionProcess(),
            (e) => JSON.stringify(e).includes("error.platform.validation.device.onlyOneActiveDeletionProcessAllowed") || /onlyOneActiveDeletionProcessAllowed/.test(String(e?.message ?? e)),
            "a second process is refused"
        );
    });

    it("A cancels it, can sync again, and B is told", TEST, async () => {
        const { a, b, id } = await getRelationship();
        const active = await a.account.identityDeletionProcess.getIdentityDeletionProcessByStatus(IdentityDeletionProcessStatus.Active);
        assert.ok(active, "the previous test started a process");
        const cancelled = await step("cancelIdentityDeletionProcess", () => a.account.identityDeletionProcess.cancelIdentityDeletionProcess(active.id.toString()));
        assert.equal(cancelled.status, IdentityDeletionProcessStatus.Cancelled);
        assert.ok(cancelled.gracePeriodEndsAt == null, "a cancelled process has no end of grace period");
        assert.equal(
            await a.account.identityDeletionProcess.getIdentityDeletionProcessByStatus(IdentityDeletionProcessStatus.Active),
            undefined,
            "no active process is left"
        );

        const info = await step("B syncs PeerDeletionCancelled", async () => {
            const matches = (r) => r.id.toString() === id.toString() && r.peerDeletionInfo === undefined;
            await syncUntil(b, (items) => items.relationships.some(matches), { what: "peerDeletionInfo cleared" });
            return (await b.account.relationships.getRelationship(id)).peerDeletionInfo;
        });
        assert.equal(info, undefined);
        await step("A syncs after the cancellation", () => a.account.syncEverything());
    });
});
