package storetest

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func testMessages(t *testing.T, newHarness HarnessMaker) {
	t.Run("Insert/ThenGetReturnsItUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := newMessage(newAddress(), newAddress(), newAddress(), newAddress())
		want.Attachments = append(want.Attachments, newID("FIL"))
		want.Recipients[1].ReceivedAt = ptr(at(time.Minute))
		want.Recipients[1].ReceivedByDevice = newID("DVC")
		want.Recipients[2].DecomposedBySender = true
		want.Recipients[0].DecomposedByRecipient = true
		mustInsertMessage(ctx, t, st, want)
		mustInsertMessage(ctx, t, st, newMessage(newAddress(), want.Recipients[0].Address))
		got, err := st.Messages().Get(ctx, want.ID)
		require.NoError(t, err, "Get of an inserted message must succeed")
		require.Equal(t, want, got, "Get must return the message as inserted: recipients and attachments in order, EncryptedKey bytes, ReceivedAt set or nil")
		require.Nil(t, got.Recipients[0].ReceivedAt, "an unset ReceivedAt must come back nil")
		require.Empty(t, got.Recipients[0].ReceivedByDevice, "an unset ReceivedByDevice must come back empty")
	})

	t.Run("Insert/OrderOfRecipientsAndAttachmentsIsKept", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		// Addresses and file IDs in descending order, so that no sort by
		// value passes for insertion order.
		rs := []string{newAddress(), newAddress(), newAddress(), newAddress(), newAddress()}
		slices.Sort(rs)
		slices.Reverse(rs)
		want := newMessage(newAddress(), rs...)
		want.Attachments = []string{"FILZZZZZZZZZZZZZZZZZ", "FILMMMMMMMMMMMMMMMMM", "FILAAAAAAAAAAAAAAAAA", newID("FIL")}
		mustInsertMessage(ctx, t, st, want)
		got, err := st.Messages().Get(ctx, want.ID)
		require.NoError(t, err)
		require.Equal(t, want.Attachments, got.Attachments, "attachments must come back in the order inserted")
		require.Equal(t, want.Recipients, got.Recipients, "recipients must come back in the order inserted")
	})

	t.Run("Insert/NoAttachmentsComeBackEmpty", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := newMessage(newAddress(), newAddress())
		want.Attachments = nil
		mustInsertMessage(ctx, t, st, want)
		got, err := st.Messages().Get(ctx, want.ID)
		require.NoError(t, err)
		require.Empty(t, got.Attachments, "a message without attachments has none")
		require.Len(t, got.Recipients, 1)
	})

	t.Run("Insert/DuplicateIDIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := mustInsertMessage(ctx, t, st, newMessage(newAddress(), newAddress()))
		dup := newMessage(newAddress(), newAddress(), newAddress())
		dup.ID = first.ID
		require.ErrorIs(t, st.Messages().Insert(ctx, dup), driver.ErrConflict, "Insert with an existing message ID must return ErrConflict")
		got, err := st.Messages().Get(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, first, got, "a rejected Insert must leave the existing message, its recipients and attachments unchanged")
	})

	t.Run("Insert/ErrConflictLeavesTheTxUsable", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := mustInsertMessage(ctx, t, st, newMessage(newAddress(), newAddress()))
		next := newMessage(newAddress(), newAddress())
		err := st.InTx(ctx, func(tx driver.Tx) error {
			if err := tx.Messages().Insert(ctx, first); !errors.Is(err, driver.ErrConflict) {
				return errors.Join(errors.New("want ErrConflict"), err)
			}
			return tx.Messages().Insert(ctx, next)
		})
		require.NoError(t, err, "after ErrConflict from Insert, the transaction must stay usable and commit")
		got, err := st.Messages().Get(ctx, next.ID)
		require.NoError(t, err)
		require.Equal(t, next, got, "the write made after ErrConflict must be committed")
	})

	t.Run("Get/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertMessage(ctx, t, st, newMessage(newAddress(), newAddress()))
		_, err := st.Messages().Get(ctx, newID("MSG"))
		require.ErrorIs(t, err, driver.ErrNotFound, "Get of an unknown message ID must return ErrNotFound")
	})

	t.Run("Get/TimesComeBackInUTC", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		m := newMessage(newAddress(), newAddress())
		m.CreatedAt = at(0).In(otherZone)
		m.Recipients[0].ReceivedAt = ptr(at(time.Second).In(otherZone))
		mustInsertMessage(ctx, t, st, m)
		got, err := st.Messages().Get(ctx, m.ID)
		require.NoError(t, err)
		requireUTC(t, "Get", &got.CreatedAt, got.Recipients[0].ReceivedAt)
		require.True(t, m.CreatedAt.Equal(got.CreatedAt), "CreatedAt must keep the instant")
		require.True(t, m.Recipients[0].ReceivedAt.Equal(*got.Recipients[0].ReceivedAt), "ReceivedAt must keep the instant")
	})

	listAll := func(t *testing.T, st driver.Stores, identity string) []string {
		t.Helper()
		got, total, err := st.Messages().ListVisible(t.Context(), identity, nil, driver.PageRequest{Number: 1, Size: 100})
		require.NoError(t, err)
		require.Equal(t, len(got), total, "the total must count the visible messages")
		return messageIDs(got)
	}

	t.Run("ListVisible/SenderSeesItWhileAnyEntryIsNotDecomposedBySender", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		sender, a, b := newAddress(), newAddress(), newAddress()
		none := newMessage(sender, a, b)
		one := newMessage(sender, a, b)
		one.Recipients[0].DecomposedBySender = true
		all := newMessage(sender, a, b)
		all.Recipients[0].DecomposedBySender = true
		all.Recipients[1].DecomposedBySender = true
		byRecipients := newMessage(sender, a, b)
		byRecipients.Recipients[0].DecomposedByRecipient = true
		byRecipients.Recipients[1].DecomposedByRecipient = true
		for _, m := range []driver.MessageRecord{none, one, all, byRecipients} {
			mustInsertMessage(ctx, t, st, m)
		}
		require.ElementsMatch(t, []string{none.ID, one.ID, byRecipients.ID}, listAll(t, st, sender),
			"the sender sees a message while at least one recipient entry is not DecomposedBySender, and only then")
		require.ElementsMatch(t, []string{none.ID, one.ID, all.ID}, listAll(t, st, a),
			"DecomposedBySender does not hide the message from a recipient")
	})

	t.Run("ListVisible/RecipientSeesItWhileItsOwnEntryIsNotDecomposedByRecipient", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		sender, a, b := newAddress(), newAddress(), newAddress()
		both := newMessage(sender, a, b)
		hiddenFromA := newMessage(sender, a, b)
		hiddenFromA.Recipients[0].DecomposedByRecipient = true
		hiddenFromB := newMessage(sender, a, b)
		hiddenFromB.Recipients[1].DecomposedByRecipient = true
		onlyB := newMessage(sender, b)
		for _, m := range []driver.MessageRecord{both, hiddenFromA, hiddenFromB, onlyB} {
			mustInsertMessage(ctx, t, st, m)
		}
		require.ElementsMatch(t, []string{both.ID, hiddenFromB.ID}, listAll(t, st, a),
			"a recipient sees a message while its own entry is not DecomposedByRecipient, whatever the other entries say")
		require.ElementsMatch(t, []string{both.ID, hiddenFromA.ID, onlyB.ID}, listAll(t, st, b),
			"a recipient sees a message while its own entry is not DecomposedByRecipient, whatever the other entries say")
	})

	t.Run("ListVisible/SenderThatIsAlsoARecipient", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me, other := newAddress(), newAddress()
		m := newMessage(me, me, other)
		m.Recipients[0].DecomposedBySender = true
		m.Recipients[1].DecomposedBySender = true
		mustInsertMessage(ctx, t, st, m)
		require.Equal(t, []string{m.ID}, listAll(t, st, me), "an identity sees a message it received, once, even when it may not see it as its sender")
	})

	t.Run("ListVisible/AThirdIdentityNeverSeesIt", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		m := mustInsertMessage(ctx, t, st, newMessage(newAddress(), newAddress(), newAddress()))
		stranger := newAddress()
		require.Empty(t, listAll(t, st, stranger), "an identity that neither sent nor received a message never sees it")
		got, total, err := st.Messages().ListVisible(ctx, stranger, []string{m.ID}, driver.PageRequest{Number: 1, Size: 10})
		require.NoError(t, err)
		require.Empty(t, got, "naming the message's ID does not make it visible")
		require.Zero(t, total)
	})

	t.Run("ListVisible/OldestFirstByCreatedAtThenIDWithPagingAndTotal", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me := newAddress()
		var want []driver.MessageRecord
		for i, d := range []time.Duration{3, 1, 2, 1, 0, 2} {
			var m driver.MessageRecord
			if i%2 == 0 {
				m = newMessage(me, newAddress(), newAddress())
			} else {
				m = newMessage(newAddress(), newAddress(), me, newAddress())
			}
			m.CreatedAt = at(d * time.Minute)
			want = append(want, mustInsertMessage(ctx, t, st, m))
		}
		mustInsertMessage(ctx, t, st, newMessage(newAddress(), newAddress()))
		slices.SortFunc(want, func(a, b driver.MessageRecord) int {
			if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		got, total, err := st.Messages().ListVisible(ctx, me, nil, driver.PageRequest{Number: 1, Size: 10})
		require.NoError(t, err)
		require.Equal(t, 6, total)
		require.Equal(t, want, got, "ListVisible must return whole messages, with all recipients and attachments in order, oldest first, then by ID")

		page, total, err := st.Messages().ListVisible(ctx, me, nil, driver.PageRequest{Number: 2, Size: 4})
		require.NoError(t, err)
		require.Equal(t, 6, total, "the total must count every page")
		require.Equal(t, messageIDs(want[4:]), messageIDs(page), "page 2 of size 4 holds the 5th and 6th message")

		page, total, err = st.Messages().ListVisible(ctx, me, nil, driver.PageRequest{Number: 3, Size: 4})
		require.NoError(t, err)
		require.Empty(t, page, "a page beyond the end is empty")
		require.Equal(t, 6, total, "a page beyond the end still has the total")
	})

	t.Run("ListVisible/IDsNarrowTheVisibleMessages", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me := newAddress()
		a := mustInsertMessage(ctx, t, st, newMessage(me, newAddress()))
		b := mustInsertMessage(ctx, t, st, newMessage(newAddress(), me))
		c := mustInsertMessage(ctx, t, st, newMessage(me, newAddress()))
		hidden := newMessage(newAddress(), me)
		hidden.Recipients[0].DecomposedByRecipient = true
		mustInsertMessage(ctx, t, st, hidden)
		foreign := mustInsertMessage(ctx, t, st, newMessage(newAddress(), newAddress()))
		got, total, err := st.Messages().ListVisible(ctx, me, []string{b.ID, a.ID, hidden.ID, foreign.ID, newID("MSG")}, driver.PageRequest{Number: 1, Size: 10})
		require.NoError(t, err)
		require.ElementsMatch(t, []string{a.ID, b.ID}, messageIDs(got), "with ids, only the visible messages with one of the IDs match")
		require.Equal(t, 2, total, "the total must count only the visible messages with one of the IDs")

		for _, ids := range [][]string{nil, {}} {
			got, total, err := st.Messages().ListVisible(ctx, me, ids, driver.PageRequest{Number: 1, Size: 10})
			require.NoError(t, err)
			require.ElementsMatch(t, []string{a.ID, b.ID, c.ID}, messageIDs(got), "with no ids, every visible message matches")
			require.Equal(t, 3, total)
		}
	})

	t.Run("MarkReceived/SetsTheEntryOnlyTheFirstTime", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a, b := newAddress(), newAddress()
		m := mustInsertMessage(ctx, t, st, newMessage(newAddress(), a, b))
		other := mustInsertMessage(ctx, t, st, newMessage(newAddress(), a))
		device := newID("DVC")
		ok, err := st.Messages().MarkReceived(ctx, m.ID, a, device, at(time.Minute).In(otherZone))
		require.NoError(t, err)
		require.True(t, ok, "the first MarkReceived must report that it set the entry")

		ok, err = st.Messages().MarkReceived(ctx, m.ID, a, newID("DVC"), at(time.Hour))
		require.NoError(t, err)
		require.False(t, ok, "MarkReceived of an entry received already must report false")

		got, err := st.Messages().Get(ctx, m.ID)
		require.NoError(t, err)
		want := m
		want.Recipients = slices.Clone(m.Recipients)
		want.Recipients[0].ReceivedAt = ptr(at(time.Minute))
		want.Recipients[0].ReceivedByDevice = device
		require.Equal(t, want, got, "MarkReceived must set the entry of the address, once, keeping the first time and device, and nothing else")
		requireUTC(t, "MarkReceived", got.Recipients[0].ReceivedAt)

		got, err = st.Messages().Get(ctx, other.ID)
		require.NoError(t, err)
		require.Equal(t, other, got, "MarkReceived must not touch the address's entries of other messages")

		for _, c := range [][2]string{{m.ID, newAddress()}, {newID("MSG"), a}, {m.ID, m.CreatedBy}} {
			ok, err := st.Messages().MarkReceived(ctx, c[0], c[1], device, at(0))
			require.NoError(t, err)
			require.False(t, ok, "MarkReceived without such an entry sets nothing")
		}
	})

	t.Run("MarkReceived/ConcurrentCallsSetTheEntryExactlyOnce", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		r := newAddress()
		m := mustInsertMessage(ctx, t, st, newMessage(newAddress(), r, newAddress()))
		const callers = 8
		devices := make([]string, callers)
		set := make([]bool, callers)
		errs := make([]error, callers)
		var wg sync.WaitGroup
		for i := range callers {
			devices[i] = newID("DVC")
			wg.Go(func() {
				when := at(time.Duration(i+1) * time.Second)
				if i%2 == 0 {
					set[i], errs[i] = st.Messages().MarkReceived(ctx, m.ID, r, devices[i], when)
					return
				}
				errs[i] = st.InTx(ctx, func(tx driver.Tx) error {
					ok, err := tx.Messages().MarkReceived(ctx, m.ID, r, devices[i], when)
					set[i] = ok
					return err
				})
			})
		}
		wg.Wait()
		winner := -1
		for i := range callers {
			require.NoError(t, errs[i], "concurrent MarkReceived must succeed")
			if set[i] {
				require.Equal(t, -1, winner, "exactly one concurrent MarkReceived may report that it set the entry")
				winner = i
			}
		}
		require.NotEqual(t, -1, winner, "one concurrent MarkReceived must set the entry")
		got, err := st.Messages().Get(ctx, m.ID)
		require.NoError(t, err)
		require.Equal(t, devices[winner], got.Recipients[0].ReceivedByDevice, "the entry must hold the device of the call that set it")
		require.Equal(t, at(time.Duration(winner+1)*time.Second), *got.Recipients[0].ReceivedAt, "the entry must hold the time of the call that set it")
		require.Nil(t, got.Recipients[1].ReceivedAt, "the other recipient's entry stays unreceived")
	})

	t.Run("CountUnreceived/CountsTheSendersMessagesTheRecipientHasNotReceived", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		sender, recipient := newAddress(), newAddress()
		var sent []driver.MessageRecord
		for i := range 4 {
			rs := []string{recipient}
			if i%2 == 1 {
				rs = []string{newAddress(), recipient}
			}
			sent = append(sent, mustInsertMessage(ctx, t, st, newMessage(sender, rs...)))
		}
		toOther := newMessage(sender, newAddress())
		mustInsertMessage(ctx, t, st, toOther)
		mustInsertMessage(ctx, t, st, newMessage(newAddress(), recipient))
		mustInsertMessage(ctx, t, st, newMessage(recipient, sender))
		received := newMessage(sender, recipient)
		received.Recipients[0].ReceivedAt = ptr(at(time.Minute))
		received.Recipients[0].ReceivedByDevice = newID("DVC")
		mustInsertMessage(ctx, t, st, received)

		count := func(s, r string) int {
			t.Helper()
			n, err := st.Messages().CountUnreceived(ctx, s, r)
			require.NoError(t, err)
			return n
		}
		require.Equal(t, 4, count(sender, recipient), "CountUnreceived must count the sender's messages with an unreceived entry for the recipient, and only those")
		ok, err := st.Messages().MarkReceived(ctx, sent[1].ID, recipient, newID("DVC"), at(time.Hour))
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, 3, count(sender, recipient), "a message marked received no longer counts")
		ok, err = st.Messages().MarkReceived(ctx, sent[3].ID, sent[3].Recipients[0].Address, newID("DVC"), at(time.Hour))
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, 3, count(sender, recipient), "another recipient's entry of the same message does not count")
		require.Equal(t, 1, count(recipient, sender), "the other direction counts on its own")
		require.Zero(t, count(newAddress(), recipient), "a sender without messages has none unreceived")
	})
}
