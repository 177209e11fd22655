package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/httpapi/internal/paging"
)

// deviceDTO is a device of the caller's identity.
type deviceDTO struct {
	ID                    string        `json:"id"`
	Username              string        `json:"username"`
	CreatedAt             wireTime      `json:"createdAt"`
	CreatedByDevice       string        `json:"createdByDevice"`
	LastLogin             *lastLoginDTO `json:"lastLogin"`
	CommunicationLanguage string        `json:"communicationLanguage"`
	IsBackupDevice        bool          `json:"isBackupDevice"`
}

// lastLoginDTO is when a device last logged in.
type lastLoginDTO struct {
	Time wireTime `json:"time"`
}

func toDeviceDTO(d backbone.Device) deviceDTO {
	dto := deviceDTO{
		ID: d.ID, Username: d.Username, CreatedAt: toWireTime(d.CreatedAt), CreatedByDevice: d.CreatedByDevice,
		CommunicationLanguage: d.CommunicationLanguage, IsBackupDevice: d.IsBackupDevice,
	}
	if d.LastLoginAt != nil {
		dto.LastLogin = &lastLoginDTO{Time: toWireTime(*d.LastLoginAt)}
	}
	return dto
}

type registerDeviceInput struct {
	Body struct {
		DevicePassword        *string             `json:"devicePassword"`
		SignedChallenge       *signedChallengeDTO `json:"signedChallenge"`
		CommunicationLanguage string              `json:"communicationLanguage,omitempty" doc:"ISO 639-1, default en"`
		IsBackupDevice        bool                `json:"isBackupDevice,omitempty"`
	}
}

// createdDeviceDTO carries a new device's credentials.
type createdDeviceDTO struct {
	ID              string   `json:"id"`
	Username        string   `json:"username"`
	CreatedAt       wireTime `json:"createdAt"`
	CreatedByDevice string   `json:"createdByDevice"`
	IsBackupDevice  bool     `json:"isBackupDevice"`
}

type createdDeviceOutput struct {
	Body result[createdDeviceDTO]
}

type listDevicesInput struct {
	paging.Query
	IDs []string `query:"ids,explode" doc:"only these devices; repeat the parameter"`
}

type devicesOutput struct {
	Body paged[deviceDTO]
}

type deviceOutput struct {
	Body result[deviceDTO]
}

type updateDeviceInput struct {
	Body struct {
		CommunicationLanguage *string `json:"communicationLanguage"`
	}
}

type changePasswordInput struct {
	Body struct {
		OldPassword *string `json:"oldPassword"`
		NewPassword *string `json:"newPassword"`
	}
}

type deleteDeviceInput struct {
	ID string `path:"id"`
}

func (h *handlers) registerDevices(api huma.API) {
	tags := []string{"Devices"}
	huma.Register(api, h.op(huma.Operation{
		OperationID: "register-device", Method: http.MethodPost, Path: "/api/v2/Devices",
		Summary: "Add a device to the caller's identity", Tags: tags, DefaultStatus: http.StatusCreated,
	}, authRequired), func(ctx context.Context, in *registerDeviceInput) (*createdDeviceOutput, error) {
		if in.Body.DevicePassword == nil {
			return nil, missing("devicePassword")
		}
		sc, err := in.Body.SignedChallenge.toDomain("signedChallenge")
		if err != nil {
			return nil, err
		}
		d, err := h.b.Devices.Register(ctx, caller(ctx), backbone.RegisterDeviceRequest{
			DevicePassword: *in.Body.DevicePassword, SignedChallenge: sc,
			CommunicationLanguage: in.Body.CommunicationLanguage, IsBackupDevice: in.Body.IsBackupDevice,
		})
		if err != nil {
			return nil, err
		}
		return &createdDeviceOutput{Body: result[createdDeviceDTO]{createdDeviceDTO{
			ID: d.ID, Username: d.Username, CreatedAt: toWireTime(d.CreatedAt), CreatedByDevice: d.CreatedByDevice, IsBackupDevice: d.IsBackupDevice,
		}}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "list-devices", Method: http.MethodGet, Path: "/api/v2/Devices",
		Summary: "List the devices of the caller's identity", Tags: tags,
	}, authRequired), func(ctx context.Context, in *listDevicesInput) (*devicesOutput, error) {
		p, err := h.b.Devices.List(ctx, caller(ctx), in.IDs, in.Request())
		if err != nil {
			return nil, err
		}
		return &devicesOutput{Body: toPaged(p, toDeviceDTO)}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "get-own-device", Method: http.MethodGet, Path: "/api/v2/Devices/Self",
		Summary: "Get the calling device", Tags: tags,
	}, authRequired), func(ctx context.Context, _ *struct{}) (*deviceOutput, error) {
		d, err := h.b.Devices.Self(ctx, caller(ctx))
		if err != nil {
			return nil, err
		}
		return &deviceOutput{Body: result[deviceDTO]{toDeviceDTO(d)}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "update-own-device", Method: http.MethodPut, Path: "/api/v2/Devices/Self",
		Summary: "Change the calling device's communication language", Tags: tags, DefaultStatus: http.StatusNoContent,
	}, authRequired), func(ctx context.Context, in *updateDeviceInput) (*struct{}, error) {
		if in.Body.CommunicationLanguage == nil {
			return nil, missing("communicationLanguage")
		}
		return nil, h.b.Devices.UpdateSelf(ctx, caller(ctx), *in.Body.CommunicationLanguage)
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "change-device-password", Method: http.MethodPut, Path: "/api/v2/Devices/Self/Password",
		Summary: "Change the calling device's password", Tags: tags, DefaultStatus: http.StatusNoContent,
	}, authRequired), func(ctx context.Context, in *changePasswordInput) (*struct{}, error) {
		if in.Body.OldPassword == nil {
			return nil, missing("oldPassword")
		}
		if in.Body.NewPassword == nil {
			return nil, missing("newPassword")
		}
		return nil, h.b.Devices.ChangePassword(ctx, caller(ctx), *in.Body.OldPassword, *in.Body.NewPassword)
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "delete-device", Method: http.MethodDelete, Path: "/api/v2/Devices/{id}",
		Summary: "Delete a device that never logged in", Tags: tags, DefaultStatus: http.StatusNoContent,
	}, authRequired), func(ctx context.Context, in *deleteDeviceInput) (*struct{}, error) {
		return nil, h.b.Devices.Delete(ctx, caller(ctx), in.ID)
	})
}
