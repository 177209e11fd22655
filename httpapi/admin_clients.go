package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

// tierRefDTO names a tier.
type tierRefDTO struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// clientOverviewDTO is a row of the client list.
type clientOverviewDTO struct {
	ClientID           string     `json:"clientId"`
	DisplayName        string     `json:"displayName"`
	DefaultTier        tierRefDTO `json:"defaultTier"`
	CreatedAt          wireTime   `json:"createdAt"`
	MaxIdentities      *int       `json:"maxIdentities"`
	NumberOfIdentities int        `json:"numberOfIdentities"`
}

// clientDTO is a client; DefaultTier is the tier's ID.
type clientDTO struct {
	ClientID           string   `json:"clientId"`
	DisplayName        string   `json:"displayName"`
	DefaultTier        string   `json:"defaultTier"`
	CreatedAt          wireTime `json:"createdAt"`
	NumberOfIdentities *int     `json:"numberOfIdentities,omitempty"`
	MaxIdentities      *int     `json:"maxIdentities"`
}

// clientWithSecretDTO is a client with its secret in clear text, answered
// only when the secret was just set.
type clientWithSecretDTO struct {
	ClientID      string   `json:"clientId"`
	DisplayName   string   `json:"displayName"`
	ClientSecret  string   `json:"clientSecret"`
	DefaultTier   string   `json:"defaultTier"`
	CreatedAt     wireTime `json:"createdAt"`
	MaxIdentities *int     `json:"maxIdentities"`
}

func toClientWithSecretDTO(c backbone.Client, secret string) clientWithSecretDTO {
	return clientWithSecretDTO{
		ClientID: c.ClientID, DisplayName: c.DisplayName, ClientSecret: secret, DefaultTier: c.DefaultTierID,
		CreatedAt: toWireTime(c.CreatedAt), MaxIdentities: c.MaxIdentities,
	}
}

type clientsOutput struct {
	Body result[[]clientOverviewDTO]
}

type clientIDInput struct {
	ClientID string `path:"clientId"`
}

type clientOutput struct {
	Body result[clientDTO]
}

type clientWithSecretOutput struct {
	Body result[clientWithSecretDTO]
}

type createClientInput struct {
	Body struct {
		ClientID      *string  `json:"clientId,omitempty"`
		DisplayName   *string  `json:"displayName,omitempty"`
		ClientSecret  *string  `json:"clientSecret,omitempty"`
		DefaultTier   *string  `json:"defaultTier"`
		MaxIdentities *wireInt `json:"maxIdentities,omitempty"`
	}
}

type changeClientSecretInput struct {
	ClientID string `path:"clientId"`
	Body     struct {
		NewSecret *string `json:"newSecret,omitempty"`
	}
}

type updateClientInput struct {
	ClientID string `path:"clientId"`
	Body     struct {
		DefaultTier   *string  `json:"defaultTier"`
		MaxIdentities *wireInt `json:"maxIdentities,omitempty"`
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func intPtr(i *wireInt) *int {
	if i == nil {
		return nil
	}
	n := int(*i)
	return &n
}

func (h *handlers) registerAdminClients(api huma.API) {
	tags := []string{"Clients"}
	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-list-clients", Method: http.MethodGet, Path: "/api/v1/Clients",
		Summary: "List the OAuth clients", Tags: tags,
	}), func(ctx context.Context, _ *struct{}) (*clientsOutput, error) {
		cs, err := h.b.Clients.ListOverviews(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]clientOverviewDTO, len(cs))
		for i, c := range cs {
			out[i] = clientOverviewDTO{
				ClientID: c.ClientID, DisplayName: c.DisplayName, DefaultTier: tierRefDTO{ID: c.DefaultTierID, Name: c.DefaultTierName},
				CreatedAt: toWireTime(c.CreatedAt), MaxIdentities: c.MaxIdentities, NumberOfIdentities: c.NumberOfIdentities,
			}
		}
		return &clientsOutput{Body: result[[]clientOverviewDTO]{out}}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-get-client", Method: http.MethodGet, Path: "/api/v1/Clients/{clientId}",
		Summary: "Get an OAuth client", Tags: tags,
	}), func(ctx context.Context, in *clientIDInput) (*clientOutput, error) {
		c, err := h.b.Clients.GetOverview(ctx, in.ClientID)
		if err != nil {
			return nil, err
		}
		n := c.NumberOfIdentities
		return &clientOutput{Body: result[clientDTO]{clientDTO{
			ClientID: c.ClientID, DisplayName: c.DisplayName, DefaultTier: c.DefaultTierID, CreatedAt: toWireTime(c.CreatedAt),
			NumberOfIdentities: &n, MaxIdentities: c.MaxIdentities,
		}}}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-create-client", Method: http.MethodPost, Path: "/api/v1/Clients",
		Summary: "Create an OAuth client", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "clientId (CLT + 17 characters), clientSecret (30 characters) and displayName (the clientId) are generated when absent; defaultTier is a tier name or ID. The answer is the only time the secret is shown.",
	}), func(ctx context.Context, in *createClientInput) (*clientWithSecretOutput, error) {
		if deref(in.Body.DefaultTier) == "" {
			return nil, &backbone.Error{Kind: backbone.KindInvalid, Code: backbone.CodeInvalidPropertyValue, Message: "'defaultTier' must not be empty."}
		}
		c, secret, err := h.b.Clients.Create(ctx, backbone.CreateClientRequest{
			ClientID: deref(in.Body.ClientID), DisplayName: deref(in.Body.DisplayName), ClientSecret: deref(in.Body.ClientSecret),
			DefaultTier: *in.Body.DefaultTier, MaxIdentities: intPtr(in.Body.MaxIdentities),
		})
		if err != nil {
			return nil, err
		}
		return &clientWithSecretOutput{Body: result[clientWithSecretDTO]{toClientWithSecretDTO(c, secret)}}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-change-client-secret", Method: http.MethodPatch, Path: "/api/v1/Clients/{clientId}/ChangeSecret",
		Summary: "Change the secret of an OAuth client", Tags: tags,
		Description: "An empty or absent newSecret is generated (30 characters).",
	}), func(ctx context.Context, in *changeClientSecretInput) (*clientWithSecretOutput, error) {
		c, secret, err := h.b.Clients.ChangeSecret(ctx, in.ClientID, deref(in.Body.NewSecret))
		if err != nil {
			return nil, err
		}
		return &clientWithSecretOutput{Body: result[clientWithSecretDTO]{toClientWithSecretDTO(c, secret)}}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-update-client", Method: http.MethodPut, Path: "/api/v1/Clients/{clientId}",
		Summary: "Change the default tier and identity limit of an OAuth client", Tags: tags,
		Description: "defaultTier must be a tier ID; maxIdentities null or absent removes the limit.",
	}), func(ctx context.Context, in *updateClientInput) (*clientOutput, error) {
		c, err := h.b.Clients.Update(ctx, in.ClientID, backbone.UpdateClientRequest{
			DefaultTierID: deref(in.Body.DefaultTier), MaxIdentities: intPtr(in.Body.MaxIdentities),
		})
		if err != nil {
			return nil, err
		}
		return &clientOutput{Body: result[clientDTO]{clientDTO{
			ClientID: c.ClientID, DisplayName: c.DisplayName, DefaultTier: c.DefaultTierID, CreatedAt: toWireTime(c.CreatedAt), MaxIdentities: c.MaxIdentities,
		}}}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-delete-client", Method: http.MethodDelete, Path: "/api/v1/Clients/{clientId}",
		Summary: "Delete an OAuth client", Tags: tags, DefaultStatus: http.StatusNoContent,
	}), func(ctx context.Context, in *clientIDInput) (*struct{}, error) {
		return nil, h.b.Clients.Delete(ctx, in.ClientID)
	})
}
