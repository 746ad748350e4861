package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
)

// transactionsFixture stores three transactions through the charging service and returns their
// ids, oldest first: a stopped one of CS-1 with TOK-A and meter values, an active one of CS-2
// with TOK-B, and an active one of CS-1 with TOK-B.
func transactionsFixture(t *testing.T, e *env) [3]int64 {
	t.Helper()
	ctx := context.Background()
	e.mustToken(t, charging.IDToken{Token: "TOK-A"})
	e.mustToken(t, charging.IDToken{Token: "TOK-B", AllowConcurrent: true})
	start := func(stationID, token string, connector int, at time.Time, wh float64) ladda.TransactionID {
		tx, _, err := e.charging.StartTransaction(ctx, charging.Start{StationID: ladda.StationID(stationID), EVSEID: connector,
			ConnectorID: 1, IDToken: token, StartedAt: at, MeterWh: &wh, Authorize: true})
		if err != nil {
			t.Fatalf("starting: %v", err)
		}
		return tx.ID
	}
	first := start("CS-1", "TOK-A", 1, t0, 1000)
	if err := e.charging.RecordMeterValues(ctx, charging.Meter{StationID: "CS-1", TransactionID: first, EVSEID: 1, ConnectorID: 1,
		Samples: []charging.Sample{
			{Time: t0.Add(time.Minute), Measurand: charging.MeasurandEnergyImport, Location: "Outlet", Context: "Sample.Periodic", Unit: "Wh", Value: 1200},
			{Time: t0.Add(time.Minute), Measurand: "Power.Active.Import", Phase: "L1", Unit: "W", Value: 7400},
		}}); err != nil {
		t.Fatal(err)
	}
	stopWh := 1500.0
	if _, _, err := e.charging.StopTransaction(ctx, charging.Stop{StationID: "CS-1", TransactionID: first, IDToken: "TOK-B",
		StoppedAt: t0.Add(2 * time.Minute), MeterWh: &stopWh, Reason: "Local"}); err != nil {
		t.Fatal(err)
	}
	second := start("CS-2", "TOK-B", 1, t0.Add(3*time.Minute), 50)
	third := start("CS-1", "TOK-B", 2, t0.Add(4*time.Minute), 10)
	return [3]int64{int64(first), int64(second), int64(third)}
}

func TestListTransactions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := transactionsFixture(t, e)
	id := func(i int) string { return strconv.FormatInt(ids[i], 10) }

	tests := []struct {
		query string
		want  string // ids of the page, newest first
		next  string
	}{
		{"", id(2) + "," + id(1) + "," + id(0), ""},
		{"?stationId=CS-1", id(2) + "," + id(0), ""},
		{"?idToken=TOK-B", id(2) + "," + id(1), ""},
		{"?active=true", id(2) + "," + id(1), ""},
		{"?active=false", id(0), ""},
		{"?stationId=CS-1&active=true", id(2), ""},
		{"?stationId=NOPE", "", ""},
		{"?limit=2", id(2) + "," + id(1), id(1)},
		{"?limit=2&before=" + id(1), id(0), ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			var got List[Transaction]
			e.call(t, http.MethodGet, "/api/v1/transactions"+tt.query, nil).mustStatus(t, 200).decode(t, &got)
			list := make([]string, len(got.Items))
			for i, tx := range got.Items {
				list[i] = strconv.FormatInt(tx.ID, 10)
			}
			if strings.Join(list, ",") != tt.want || got.Next != tt.next {
				t.Errorf("page %v next %q, want %s next %q", list, got.Next, tt.want, tt.next)
			}
		})
	}
	t.Run("the view of a stopped transaction", func(t *testing.T) {
		t.Parallel()
		var got List[Transaction]
		e.call(t, http.MethodGet, "/api/v1/transactions?active=false", nil).mustStatus(t, 200).decode(t, &got)
		if len(got.Items) != 1 {
			t.Fatalf("items %+v", got.Items)
		}
		tx := got.Items[0]
		if tx.StationID != "CS-1" || tx.StationTransactionID != id(0) || tx.EVSEID != 1 || tx.ConnectorID != 1 || tx.IDToken != "TOK-A" ||
			!tx.StartedAt.Equal(t0) || tx.StoppedAt == nil || !tx.StoppedAt.Equal(t0.Add(2*time.Minute)) || tx.Active ||
			tx.MeterStartWh == nil || *tx.MeterStartWh != 1000 || tx.MeterStopWh == nil || *tx.MeterStopWh != 1500 ||
			tx.EnergyWh != 500 || tx.StopReason != "Local" || tx.StoppedBy != "TOK-B" || len(tx.Flags) != 0 || tx.Flags == nil {
			t.Errorf("transaction %+v", tx)
		}
	})
	for _, q := range []string{"?active=yes", "?before=-1", "?before=x", "?limit=0"} {
		t.Run("bad "+q, func(t *testing.T) {
			t.Parallel()
			e.call(t, http.MethodGet, "/api/v1/transactions"+q, nil).mustProblem(t, 422)
		})
	}
}

func TestGetTransaction(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := transactionsFixture(t, e)

	t.Run("with samples", func(t *testing.T) {
		t.Parallel()
		var got TransactionDetail
		e.call(t, http.MethodGet, "/api/v1/transactions/"+strconv.FormatInt(ids[0], 10), nil).mustStatus(t, 200).decode(t, &got)
		if got.ID != ids[0] || got.EnergyWh != 500 || got.Active {
			t.Errorf("transaction %+v", got.Transaction)
		}
		want := []Sample{
			{Time: t0.Add(time.Minute), Measurand: charging.MeasurandEnergyImport, Location: "Outlet", Context: "Sample.Periodic", Unit: "Wh", Value: 1200},
			{Time: t0.Add(time.Minute), Measurand: "Power.Active.Import", Phase: "L1", Unit: "W", Value: 7400},
		}
		if len(got.Samples) != len(want) {
			t.Fatalf("samples %+v, want %+v", got.Samples, want)
		}
		for i := range want {
			g, w := got.Samples[i], want[i]
			if !g.Time.Equal(w.Time) || g.Measurand != w.Measurand || g.Phase != w.Phase || g.Location != w.Location ||
				g.Context != w.Context || g.Unit != w.Unit || g.Value != w.Value {
				t.Errorf("sample %d: %+v, want %+v", i, g, w)
			}
		}
	})
	t.Run("active, without samples", func(t *testing.T) {
		t.Parallel()
		var got TransactionDetail
		r := e.call(t, http.MethodGet, "/api/v1/transactions/"+strconv.FormatInt(ids[1], 10), nil).mustStatus(t, 200)
		r.decode(t, &got)
		if !got.Active || got.StoppedAt != nil || got.EnergyWh != 0 || got.Samples == nil || len(got.Samples) != 0 {
			t.Errorf("transaction %+v", got)
		}
		if _, ok := r.fields(t)["stoppedAt"]; ok {
			t.Error("an active transaction shows stoppedAt")
		}
	})
	t.Run("unknown", func(t *testing.T) {
		t.Parallel()
		e.call(t, http.MethodGet, "/api/v1/transactions/999999", nil).mustProblem(t, 404)
	})
	for _, id := range []string{"0", "-3", "abc"} {
		t.Run("bad id "+id, func(t *testing.T) {
			t.Parallel()
			e.call(t, http.MethodGet, "/api/v1/transactions/"+id, nil).mustProblem(t, 422)
		})
	}
}
