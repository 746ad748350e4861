package ocpp

import (
	"context"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/station"
)

// sendLocalList builds SendLocalList of the station's version.
func sendLocalList(isV16 bool, c station.SendLocalList) (string, any, error) {
	update16, update201 := v16.UpdateDifferential, v201.UpdateDifferential
	if c.Full {
		update16, update201 = v16.UpdateFull, v201.UpdateFull
	}
	if isV16 {
		r := &v16.SendLocalListRequest{ListVersion: c.Version, UpdateType: update16}
		for _, e := range c.Entries {
			if len(e.IDToken) > 20 {
				return "", nil, commandError("OCPP 1.6 id tags have at most 20 characters: " + e.IDToken + " cannot be on a 1.6 station's list")
			}
			d := v16.AuthorizationData{IDTag: e.IDToken}
			if e.Status != "" {
				info := idTagInfo16(charging.AuthInfo{Status: charging.TokenStatus(e.Status), ExpiresAt: e.ExpiresAt, GroupID: e.GroupID})
				d.IDTagInfo = &info
			}
			r.LocalAuthorizationList = append(r.LocalAuthorizationList, d)
		}
		return "SendLocalList", r, nil
	}
	r := &v201.SendLocalListRequest{VersionNumber: c.Version, UpdateType: update201}
	for _, e := range c.Entries {
		typ := v201.IDTokenEnumCentral
		if e.TokenType != "" {
			typ = v201.IDTokenEnum(e.TokenType)
		}
		d := v201.AuthorizationData{IDToken: v201.IDToken{IDToken: e.IDToken, Type: typ}}
		if e.Status != "" {
			info := idTokenInfo201(charging.AuthInfo{Status: charging.TokenStatus(e.Status), ExpiresAt: e.ExpiresAt, GroupID: e.GroupID})
			d.IDTokenInfo = &info
		}
		r.LocalAuthorizationList = append(r.LocalAuthorizationList, d)
	}
	return "SendLocalList", r, nil
}

// getLocalListVersion asks for the version of the station's local list.
func (c *Commander) getLocalListVersion(ctx context.Context, id ladda.StationID, version string) (station.Answer, error) {
	var v int
	if version == V16 {
		var res v16.GetLocalListVersionResponse
		if err := c.Send(ctx, id, "GetLocalListVersion", &v16.GetLocalListVersionRequest{}, &res); err != nil {
			return station.Answer{}, err
		}
		v = res.ListVersion
	} else {
		var res v201.GetLocalListVersionResponse
		if err := c.Send(ctx, id, "GetLocalListVersion", &v201.GetLocalListVersionRequest{}, &res); err != nil {
			return station.Answer{}, err
		}
		v = res.VersionNumber
	}
	return station.Answer{Status: "Accepted", ListVersion: &v}, nil
}
