package backbone

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// PrefixAnnouncement starts the IDs of announcements.
const PrefixAnnouncement = "ANC"

// Announcement error codes.
const (
	CodeInvalidAnnouncementLanguage             = "error.platform.validation.invalidAnnouncementLanguage"
	CodeNonSilentAnnouncementCannotHaveIqlQuery = "error.platform.validation.nonSilentAnnouncementCannotHaveIqlQuery"
	CodeInvalidIqlQueryLengthForAnnouncement    = "error.platform.validation.invalidIqlQueryLengthForAnnouncement"
)

// Announcement limits.
const (
	maxAnnouncementRecipients       = 100
	maxAnnouncementActionNameLength = 30
	maxAnnouncementLinkLength       = 300
	maxAnnouncementIqlQueryLength   = 1000
)

// Announcement severities.
const (
	AnnouncementLow    = driver.AnnouncementLow
	AnnouncementMedium = driver.AnnouncementMedium
	AnnouncementHigh   = driver.AnnouncementHigh
)

// Announcement is an announcement with the texts and action labels of
// every language, as the operator sees it.
type Announcement = driver.Announcement

// AnnouncementAction is a link offered with an announcement, labelled per
// language.
type AnnouncementAction = driver.AnnouncementAction

// NewAnnouncement is what an operator publishes.
type NewAnnouncement struct {
	Severity string // AnnouncementLow, AnnouncementMedium or AnnouncementHigh
	IsSilent bool
	// Texts needs one in English (en); at most one per language.
	Texts     []AnnouncementText
	ExpiresAt *time.Time
	Actions   []AnnouncementAction
	// Recipients are the identities it is for, at most 100; none means
	// everyone.
	Recipients []string
	// IqlQuery is allowed on silent announcements only; empty means none.
	IqlQuery string
}

// LocalizedAnnouncement is an announcement in one language, as a device
// sees it.
type LocalizedAnnouncement struct {
	ID        string
	CreatedAt time.Time
	ExpiresAt *time.Time
	Severity  string
	Title     string
	Body      string
	Actions   []LocalizedAnnouncementAction
	IqlQuery  string
}

// LocalizedAnnouncementAction is an action with its label in one language.
type LocalizedAnnouncementAction struct {
	DisplayName string
	Link        string
}

// Announcements publishes announcements and shows them to devices.
type Announcements struct{ b *Backbone }

// Create publishes an announcement (an operator's action: no caller) and,
// unless it is silent, notifies the devices of its recipients, or of
// everyone.
func (s *Announcements) Create(ctx context.Context, req NewAnnouncement) (Announcement, error) {
	recipients, err := checkNewAnnouncement(req)
	if err != nil {
		return Announcement{}, err
	}
	now := s.b.now()
	a := Announcement{
		ID:         NewID(PrefixAnnouncement),
		CreatedAt:  now,
		Severity:   req.Severity,
		IsSilent:   req.IsSilent,
		IqlQuery:   req.IqlQuery,
		Texts:      make([]driver.AnnouncementText, len(req.Texts)),
		Actions:    make([]AnnouncementAction, len(req.Actions)),
		Targeted:   len(recipients) > 0,
		Recipients: recipients,
	}
	if req.ExpiresAt != nil {
		a.ExpiresAt = req.ExpiresAt.UTC().Truncate(time.Millisecond)
	}
	for i, t := range req.Texts {
		a.Texts[i] = driver.AnnouncementText(t)
	}
	for i, ac := range req.Actions {
		a.Actions[i] = AnnouncementAction{DisplayName: maps.Clone(ac.DisplayName), Link: ac.Link}
	}
	err = s.b.inTx(ctx, func(tx driver.Tx) error {
		if err := tx.Announcements().Insert(ctx, a); err != nil {
			return internal("insert announcement", err)
		}
		return s.b.raise(ctx, tx, now, AnnouncementCreated{
			ID: a.ID, Severity: a.Severity, IsSilent: a.IsSilent, Texts: slices.Clone(req.Texts), Recipients: recipients,
		})
	})
	if err != nil {
		return Announcement{}, err
	}
	return a, nil
}

// checkNewAnnouncement applies the rules in the reference's order and
// returns the recipients, each once.
func checkNewAnnouncement(req NewAnnouncement) ([]string, error) {
	if req.IqlQuery != "" && utf8.RuneCountInString(req.IqlQuery) > maxAnnouncementIqlQueryLength {
		return nil, invalid(CodeInvalidIqlQueryLengthForAnnouncement,
			"The IQL query for an announcement must be between 1 and %d characters long.", maxAnnouncementIqlQueryLength)
	}
	switch req.Severity {
	case AnnouncementLow, AnnouncementMedium, AnnouncementHigh:
	default:
		return nil, invalidProperty("severity", "must be one of Low, Medium, High.")
	}
	// Stores keep years 1 to 9999, and the zero time means "never".
	if e := req.ExpiresAt; e != nil && (e.UTC().Truncate(time.Millisecond).IsZero() || e.UTC().Year() < 1 || e.UTC().Year() > 9999) {
		return nil, invalidProperty("expiresAt", "must lie between the years 1 and 9999.")
	}
	if !slices.ContainsFunc(req.Texts, func(t AnnouncementText) bool { return t.Language == "en" }) {
		return nil, invalidProperty("texts", "There must be a text for English.")
	}
	if len(req.Recipients) > maxAnnouncementRecipients {
		return nil, invalidProperty("recipients", "must not have more than %d items.", maxAnnouncementRecipients)
	}
	languages := map[string]bool{}
	for _, t := range req.Texts {
		switch {
		case !validLanguage(t.Language):
			return nil, invalidProperty("texts.language", "This language is not a valid two letter ISO language name.")
		case languages[t.Language]:
			return nil, invalidProperty("texts.language", "There must be at most one text per language; %q appears twice.", t.Language)
		case strings.TrimSpace(t.Title) == "":
			return nil, invalidProperty("texts.title", "must not be empty.")
		case strings.TrimSpace(t.Body) == "":
			return nil, invalidProperty("texts.body", "must not be empty.")
		}
		languages[t.Language] = true
	}
	recipients := make([]string, 0, len(req.Recipients))
	for _, r := range req.Recipients {
		if !ValidAddress(r) {
			return nil, invalidIDError("recipients")
		}
		if !slices.Contains(recipients, r) {
			recipients = append(recipients, r)
		}
	}
	for _, ac := range req.Actions {
		if strings.TrimSpace(ac.Link) == "" || utf8.RuneCountInString(ac.Link) > maxAnnouncementLinkLength {
			return nil, invalidProperty("actions.link", "must not be empty and must have at most %d characters.", maxAnnouncementLinkLength)
		}
		if _, ok := ac.DisplayName["en"]; !ok {
			return nil, invalidProperty("actions.displayName", "An action must have a display name for English.")
		}
		for _, name := range ac.DisplayName {
			if n := utf8.RuneCountInString(name); n < 1 || n > maxAnnouncementActionNameLength {
				return nil, invalidProperty("actions.displayName", "A display name must have between 1 and %d characters.", maxAnnouncementActionNameLength)
			}
			if strings.ContainsAny(name, "\r\n") {
				return nil, invalidProperty("actions.displayName", "A display name must not contain line breaks.")
			}
		}
	}
	for _, ac := range req.Actions {
		for lang := range ac.DisplayName {
			if !validLanguage(lang) {
				return nil, invalid(CodeInvalidAnnouncementLanguage, "The Announcement Language must be a valid two letter ISO code.")
			}
		}
	}
	if !req.IsSilent && req.IqlQuery != "" {
		return nil, invalid(CodeNonSilentAnnouncementCannotHaveIqlQuery, "An announcement with an IQL query must be silent.")
	}
	return recipients, nil
}

// List returns every announcement, oldest first (an operator's view).
func (s *Announcements) List(ctx context.Context) ([]Announcement, error) {
	as, err := s.b.store.Announcements().List(ctx)
	return as, internal("list announcements", err)
}

// Get returns one announcement (an operator's view).
func (s *Announcements) Get(ctx context.Context, id string) (Announcement, error) {
	if !ValidID(PrefixAnnouncement, id) {
		return Announcement{}, invalidIDError("id")
	}
	a, err := s.b.store.Announcements().Get(ctx, id)
	if errors.Is(err, driver.ErrNotFound) {
		return Announcement{}, notFound("Announcement")
	}
	return a, internal("get announcement", err)
}

// Delete removes an announcement; devices no longer see it.
func (s *Announcements) Delete(ctx context.Context, id string) error {
	if !ValidID(PrefixAnnouncement, id) {
		return invalidIDError("id")
	}
	err := s.b.store.Announcements().Delete(ctx, id)
	if errors.Is(err, driver.ErrNotFound) {
		return notFound("Announcement")
	}
	return internal("delete announcement", err)
}

// ListForCaller returns the announcements for everyone and those naming
// the caller, in the language (English where one has no text or label
// in it), oldest first. Expired announcements are listed until
// housekeeping removes them.
func (s *Announcements) ListForCaller(ctx context.Context, as Caller, language string) ([]LocalizedAnnouncement, error) {
	if !validLanguage(language) {
		return nil, invalidProperty("language", "This language is not a valid two letter ISO language name.")
	}
	list, err := s.b.store.Announcements().ListForRecipient(ctx, as.Address)
	if err != nil {
		return nil, internal("list announcements", err)
	}
	out := make([]LocalizedAnnouncement, len(list))
	for i, a := range list {
		out[i] = localize(a, language)
	}
	return out, nil
}

func localize(a Announcement, language string) LocalizedAnnouncement {
	l := LocalizedAnnouncement{
		ID: a.ID, CreatedAt: a.CreatedAt, Severity: a.Severity, IqlQuery: a.IqlQuery,
		Actions: make([]LocalizedAnnouncementAction, len(a.Actions)),
	}
	if !a.ExpiresAt.IsZero() {
		exp := a.ExpiresAt
		l.ExpiresAt = &exp
	}
	var en, own *driver.AnnouncementText
	for i := range a.Texts {
		switch a.Texts[i].Language {
		case language:
			own = &a.Texts[i]
		case "en":
			en = &a.Texts[i]
		}
	}
	if own == nil {
		own = en
	}
	if own != nil {
		l.Title, l.Body = own.Title, own.Body
	}
	for i, ac := range a.Actions {
		name, ok := ac.DisplayName[language]
		if !ok {
			name = ac.DisplayName["en"]
		}
		l.Actions[i] = LocalizedAnnouncementAction{DisplayName: name, Link: ac.Link}
	}
	return l
}

// Housekeep removes the announcements that expired Deletion.Retention (30
// days) ago or earlier and returns how many; devices list them until
// then. The housekeeping job runs it.
func (s *Announcements) Housekeep(ctx context.Context) (int, error) {
	return s.housekeep(ctx, s.b.now())
}

func (s *Announcements) housekeep(ctx context.Context, now time.Time) (int, error) {
	n, err := s.b.store.Announcements().DeleteExpired(ctx, now.Add(-s.b.cfg.Deletion.Retention))
	return n, internal("delete expired announcements", err)
}

// removeRecipient takes a deleted identity off every announcement's
// recipients in st (a transaction, or the store) and returns from how
// many. An announcement that loses its last recipient reaches nobody, not
// everybody. The identity deletion job calls it.
func (s *Announcements) removeRecipient(ctx context.Context, st driver.Stores, address string) (int, error) {
	n, err := st.Announcements().RemoveRecipient(ctx, address)
	return n, internal("remove announcement recipient", err)
}
