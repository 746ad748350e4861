package httpapi

import (
	"context"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
)

// Plans and subscriptions: a monthly fee, included kWh, a member discount and a member price.

// PlanBody is a plan as the seller writes it.
type PlanBody struct {
	Name            string `json:"name" minLength:"1" maxLength:"200"`
	Currency        string `json:"currency" pattern:"^[A-Z]{3}$"`
	MonthlyFee      string `json:"monthlyFee" pattern:"^[0-9]+(\\.[0-9]+)?$" doc:"Excluding tax; prorated by the second for a partial month."`
	IncludedKWh     string `json:"includedKWh,omitempty" pattern:"^[0-9]+(\\.[0-9]+)?$" doc:"Free energy per calendar month, taken off the sessions in the order they ended."`
	DiscountPercent string `json:"discountPercent,omitempty" pattern:"^[0-9]+(\\.[0-9]+)?$" doc:"Off the energy beyond the included kWh."`
	CustomerGroup   string `json:"customerGroup,omitempty" maxLength:"64" doc:"Subscribers belong to this customer group: the tariffs assigned to it are their member price."`
	OrganisationID  int64  `json:"organisationId,omitempty" minimum:"0" doc:"Administrators: the operator organisation that sells it."`
}

// Plan is a stored plan.
type Plan struct {
	ID int64 `json:"id"`
	PlanBody
}

func viewPlan(p *billing.Plan) Plan {
	exp := billing.Exponent(p.Currency)
	return Plan{ID: p.ID, PlanBody: PlanBody{Name: p.Name, Currency: p.Currency, MonthlyFee: p.MonthlyFee.Format(exp), IncludedKWh: p.IncludedKWh.String(),
		DiscountPercent: p.DiscountPercent.String(), CustomerGroup: p.CustomerGroup, OrganisationID: p.OrgID}}
}

func (b *PlanBody) toPlan() (*billing.Plan, error) {
	p := &billing.Plan{Name: b.Name, Currency: b.Currency, CustomerGroup: b.CustomerGroup}
	var err error
	if p.MonthlyFee, err = billing.ParseAmount(b.MonthlyFee); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		text string
		q    *billing.Quantity
	}{{b.IncludedKWh, &p.IncludedKWh}, {b.DiscountPercent, &p.DiscountPercent}} {
		if f.text != "" {
			if *f.q, err = billing.ParseQuantity(f.text); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

type planInput struct {
	Body PlanBody
}

type planOutput struct {
	Body Plan
}

type createdPlanOutput struct {
	Location string `header:"Location"`
	Body     Plan
}

// listPlans handles GET /api/v1/plans: the plans on offer. Drivers see every plan; sellers
// their own.
func (s *server) listPlans(ctx context.Context, _ *struct{}) (*listOutput[Plan], error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	org := int64(0)
	if p := caller(ctx); !p.Driver() {
		org = orgScope(p)
	}
	list, err := s.billing.Plans(ctx, org)
	if err != nil {
		return nil, err
	}
	out := &listOutput[Plan]{Body: List[Plan]{Items: make([]Plan, 0, len(list))}}
	for _, p := range list {
		out.Body.Items = append(out.Body.Items, viewPlan(p))
	}
	return out, nil
}

func (s *server) createPlan(ctx context.Context, in *planInput) (*createdPlanOutput, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	p, err := in.Body.toPlan()
	if err != nil {
		return nil, err
	}
	if p.OrgID, err = s.ownOrg(ctx, in.Body.OrganisationID); err != nil {
		return nil, err
	}
	if err := s.billing.CreatePlan(ctx, p); err != nil {
		return nil, err
	}
	return &createdPlanOutput{Location: Prefix + "/plans/" + strconv.FormatInt(p.ID, 10), Body: viewPlan(p)}, nil
}

// plan returns a plan the caller sells (or, for a driver, any plan); NotFound otherwise.
func (s *server) plan(ctx context.Context, id int64) (*billing.Plan, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	p, err := s.billing.Plan(ctx, id)
	if err != nil {
		return nil, err
	}
	if c := caller(ctx); !c.Driver() && !c.Sees(p.OrgID) {
		return nil, ladda.Errorf(ladda.NotFound, "httpapi.plan", "plan %d not found", id)
	}
	return p, nil
}

func (s *server) getPlan(ctx context.Context, in *idInput) (*planOutput, error) {
	p, err := s.plan(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &planOutput{Body: viewPlan(p)}, nil
}

type updatePlanInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body PlanBody
}

func (s *server) updatePlan(ctx context.Context, in *updatePlanInput) (*planOutput, error) {
	old, err := s.plan(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if !caller(ctx).Sees(old.OrgID) {
		return nil, ladda.Errorf(ladda.NotFound, "httpapi.updatePlan", "plan %d not found", in.ID)
	}
	p, err := in.Body.toPlan()
	if err != nil {
		return nil, err
	}
	p.ID, p.OrgID = old.ID, old.OrgID
	if err := s.billing.UpdatePlan(ctx, p); err != nil {
		return nil, err
	}
	return &planOutput{Body: viewPlan(p)}, nil
}

// Subscription is a user's membership of a plan.
type Subscription struct {
	ID          int64      `json:"id"`
	PlanID      int64      `json:"planId"`
	UserID      int64      `json:"userId"`
	Start       time.Time  `json:"start"`
	End         *time.Time `json:"end,omitempty" doc:"Absent: running."`
	BilledUntil *time.Time `json:"billedUntil,omitempty" doc:"Monthly invoices are issued up to here."`
}

func viewSubscription(s *billing.Subscription) Subscription {
	return Subscription{ID: s.ID, PlanID: s.PlanID, UserID: s.UserID, Start: s.Start.UTC(), End: utcPtr(s.End), BilledUntil: utcPtr(s.BilledUntil)}
}

func subscriptionList(list []*billing.Subscription) *listOutput[Subscription] {
	out := &listOutput[Subscription]{Body: List[Subscription]{Items: make([]Subscription, 0, len(list))}}
	for _, sub := range list {
		out.Body.Items = append(out.Body.Items, viewSubscription(sub))
	}
	return out
}

type subscribeInput struct {
	Body struct {
		PlanID int64 `json:"planId" minimum:"1"`
	} `nameHint:"SubscribeRequest"`
}

type subscriptionOutput struct {
	Body Subscription
}

// subscribe handles POST /api/v1/me/subscriptions: the caller subscribes to a plan now.
func (s *server) subscribe(ctx context.Context, in *subscribeInput) (*subscriptionOutput, error) {
	if _, err := s.plan(ctx, in.Body.PlanID); err != nil {
		return nil, err
	}
	sub, err := s.billing.Subscribe(ctx, caller(ctx).UserID(), in.Body.PlanID)
	if err != nil {
		return nil, err
	}
	return &subscriptionOutput{Body: viewSubscription(sub)}, nil
}

func (s *server) mySubscriptions(ctx context.Context, _ *struct{}) (*listOutput[Subscription], error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	list, err := s.billing.Subscriptions(ctx, caller(ctx).UserID(), 0)
	if err != nil {
		return nil, err
	}
	return subscriptionList(list), nil
}

// unsubscribe handles DELETE /api/v1/me/subscriptions/{id}: ends one of the caller's
// subscriptions now.
func (s *server) unsubscribe(ctx context.Context, in *idInput) (*subscriptionOutput, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	sub, err := s.billing.Subscription(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if sub.UserID != caller(ctx).UserID() {
		return nil, ladda.Errorf(ladda.NotFound, "httpapi.unsubscribe", "subscription %d not found", in.ID)
	}
	sub, err = s.billing.Unsubscribe(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &subscriptionOutput{Body: viewSubscription(sub)}, nil
}

// planSubscriptions handles GET /api/v1/plans/{id}/subscriptions: a seller's subscribers.
func (s *server) planSubscriptions(ctx context.Context, in *idInput) (*listOutput[Subscription], error) {
	p, err := s.plan(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if !caller(ctx).Sees(p.OrgID) {
		return nil, ladda.Errorf(ladda.NotFound, "httpapi.planSubscriptions", "plan %d not found", in.ID)
	}
	list, err := s.billing.Subscriptions(ctx, 0, p.ID)
	if err != nil {
		return nil, err
	}
	return subscriptionList(list), nil
}
