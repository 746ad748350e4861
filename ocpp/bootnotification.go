package ocpp

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/station"
)

// bootNotification16 handles 1.6 BootNotification: the station says who it is; Ladda answers
// whether it is accepted and how often to send heartbeats.
func bootNotification16(ctx context.Context, r *Router, c call, req *v16.BootNotificationRequest) (any, error) {
	serial := req.ChargePointSerialNumber
	if serial == "" {
		serial = req.ChargeBoxSerialNumber
	}
	res, err := r.stations.Boot(ctx, c.station, station.Boot{
		Vendor:          req.ChargePointVendor,
		Model:           req.ChargePointModel,
		SerialNumber:    serial,
		FirmwareVersion: req.FirmwareVersion,
		ICCID:           req.ICCID,
		IMSI:            req.IMSI,
		MeterType:       req.MeterType,
		MeterSerial:     req.MeterSerialNumber,
	}, c.version)
	if err != nil {
		return nil, err
	}
	r.registrations.Store(c.station, res.Registration)
	return &v16.BootNotificationResponse{
		Status:      v16.RegistrationStatus(res.Registration),
		CurrentTime: res.Time,
		Interval:    seconds(res.Interval),
	}, nil
}

// bootNotification201 handles 2.0.1 BootNotification.
func bootNotification201(ctx context.Context, r *Router, c call, req *v201.BootNotificationRequest) (any, error) {
	cs := req.ChargingStation
	b := station.Boot{
		Vendor:          cs.VendorName,
		Model:           cs.Model,
		SerialNumber:    cs.SerialNumber,
		FirmwareVersion: cs.FirmwareVersion,
		Reason:          string(req.Reason),
	}
	if cs.Modem != nil {
		b.ICCID, b.IMSI = cs.Modem.ICCID, cs.Modem.IMSI
	}
	res, err := r.stations.Boot(ctx, c.station, b, c.version)
	if err != nil {
		return nil, err
	}
	r.registrations.Store(c.station, res.Registration)
	return &v201.BootNotificationResponse{
		Status:      v201.RegistrationStatus(res.Registration),
		CurrentTime: res.Time,
		Interval:    seconds(res.Interval),
	}, nil
}

func seconds(d time.Duration) int { return int(d / time.Second) }
