package account

// Permission is what a route or an action needs. Roles and scopes are sets of permissions; the
// tables below are the one place that says which.
type Permission uint16

// The permissions.
const (
	// NetworkRead reads the stations of one's organisation: their state, settings, reports,
	// commands, firmware, reservations.
	NetworkRead Permission = 1 << iota
	// NetworkOperate changes them: registration, remote commands, local lists, reservations,
	// the organisation's ID tokens.
	NetworkOperate
	// Billing sees and changes prices and costs.
	Billing
	// SessionsRead reads charging sessions in one's scope: at one's stations (operators), of
	// one's fleet's cards (fleet managers), of one's own cards (drivers).
	SessionsRead
	// CardsRead reads the charging cards in one's scope.
	CardsRead
	// CardsManage adds, names, blocks and unblocks them.
	CardsManage
	// OrgManage manages one's organisation: its members, API keys and webhooks.
	OrgManage
	// System administers the installation: organisations, every user, certificates and the
	// PKI, firmware images and campaigns, the audit log.
	System
	// Self uses one's own account: profile, password, second factor, sessions, favourites,
	// export and deletion. Users only: API keys have no self.
	Self
)

// permissionNames name the permissions for messages and the OpenAPI document.
var permissionNames = map[Permission]string{
	NetworkRead: "network.read", NetworkOperate: "network.operate", Billing: "billing",
	SessionsRead: "sessions.read", CardsRead: "cards.read", CardsManage: "cards.manage",
	OrgManage: "org.manage", System: "system", Self: "self",
}

func (p Permission) String() string {
	if n, ok := permissionNames[p]; ok {
		return n
	}
	return "permission(?)"
}

const everything = NetworkRead | NetworkOperate | Billing | SessionsRead | CardsRead | CardsManage | OrgManage | System | Self

// rolePermissions is what each role of user may do.
var rolePermissions = map[Role]Permission{
	Admin:        everything,
	Operator:     NetworkRead | NetworkOperate | Billing | SessionsRead | CardsRead | CardsManage | OrgManage | Self,
	Support:      NetworkRead | SessionsRead | CardsRead | Self,
	FleetManager: SessionsRead | CardsRead | CardsManage | OrgManage | Self,
	Driver:       SessionsRead | CardsRead | CardsManage | Self,
}

// scopePermissions is what each scope of an API key of an organisation may do.
var scopePermissions = map[Scope]Permission{
	ScopeRead:    NetworkRead | SessionsRead | CardsRead,
	ScopeOperate: NetworkRead | NetworkOperate | SessionsRead | CardsRead | CardsManage,
	ScopeBilling: Billing | SessionsRead,
	ScopeAdmin:   OrgManage,
}

// Permissions is what a key with scope sc may do within its organisation.
func (sc Scope) Permissions() Permission { return scopePermissions[sc] }

// KeyPermissions is what a key with scopes may do in an organisation of kind: a fleet has
// cards, not stations or prices, so its keys never touch those.
func KeyPermissions(scopes []Scope, kind OrgKind) Permission {
	var perms Permission
	for _, sc := range scopes {
		perms |= sc.Permissions()
	}
	if kind == FleetOrg {
		perms &^= NetworkRead | NetworkOperate | Billing
	}
	return perms
}

// CanIssue reports whether p may make a key with scopes for an organisation of kind: no one
// gives a key more than they may do themselves.
func (p *Principal) CanIssue(scopes []Scope, kind OrgKind) bool {
	return p.Everywhere() || KeyPermissions(scopes, kind)&^p.Perms == 0
}

// grantable is which roles a user of a role may give others in their organisation: no one can
// give more than they have.
var grantable = map[Role][]Role{
	Admin:        Roles,
	Operator:     {Operator, Support},
	FleetManager: {FleetManager, Driver},
}

// Principal is who makes a request: a signed-in user or an API key, with what they may do and
// where.
//
// Rules: OrgID scopes everything a principal sees and changes, except for a principal with
// System, which sees everything. A user's session that still waits for its second factor, or
// whose role requires one the user has not enrolled yet, may only do what Restricted allows.
type Principal struct {
	User      *User   // nil for an API key
	Key       *APIKey // nil for a user
	Session   *Session
	OrgID     int64
	OrgKind   OrgKind // the kind of OrgID's organisation
	Perms     Permission
	NeedsMFA  bool // the role requires a second factor that the user has not enrolled
	IP        string
	UserAgent string
}

// UserPrincipal is the principal of a user signed in with session s.
func UserPrincipal(u *User, s *Session, needsMFA bool) *Principal {
	p := &Principal{User: u, Session: s, Perms: rolePermissions[u.Role], NeedsMFA: needsMFA}
	if u.Role != Admin {
		p.OrgID = u.OrgID
	}
	return p
}

// KeyPrincipal is the principal of an API key.
func KeyPrincipal(k *APIKey) *Principal {
	p := &Principal{Key: k, OrgID: k.OrgID}
	for _, sc := range k.Scopes {
		p.Perms |= scopePermissions[sc]
	}
	if k.OrgID == 0 {
		p.Perms = everything &^ Self // a system key
	}
	return p
}

// Can reports whether p has permission need.
func (p *Principal) Can(need Permission) bool {
	return p != nil && p.Perms&need == need
}

// Everywhere reports whether p sees every organisation's data.
func (p *Principal) Everywhere() bool { return p.Can(System) }

// Scope is the organisation p's lists are limited to: 0 for a principal that sees everything.
func (p *Principal) Scope() int64 {
	if p.Everywhere() {
		return 0
	}
	return p.OrgID
}

// Sees reports whether p may see something that belongs to organisation org (0: nobody's).
// Things that belong to no organisation are for administrators only.
func (p *Principal) Sees(org int64) bool {
	return p.Everywhere() || (org != 0 && org == p.OrgID)
}

// UserID is the signed-in user's ID, 0 for an API key.
func (p *Principal) UserID() int64 {
	if p == nil || p.User == nil {
		return 0
	}
	return p.User.ID
}

// Driver reports whether p sees only what is their own: a driver, or a user of any role without
// an organisation who is not an administrator.
func (p *Principal) Driver() bool {
	return p.User != nil && !p.Everywhere() && (p.User.Role == Driver || p.OrgID == 0)
}

// Restricted reports whether p may only finish signing in or enrol a second factor.
func (p *Principal) Restricted() bool {
	return p.Session != nil && p.Session.Pending || p.NeedsMFA
}

// Label names p in the audit log without personal data.
func (p *Principal) Label() (kind string, id int64, label string) {
	switch {
	case p == nil:
		return "anonymous", 0, "anonymous"
	case p.User != nil:
		return "user", p.User.ID, "user " + itoa(p.User.ID) + " (" + string(p.User.Role) + ")"
	default:
		return "key", p.Key.ID, "key " + itoa(p.Key.ID) + " (" + p.Key.Name + ")"
	}
}

// CanGrant reports whether p may give role r to a member of organisation org.
func (p *Principal) CanGrant(r Role, org int64) bool {
	if p.Everywhere() {
		return true
	}
	if !p.Can(OrgManage) || org == 0 || org != p.OrgID {
		return false
	}
	if p.Key != nil { // a key has no role to measure a grant against: people are managed by people
		return false
	}
	for _, g := range grantable[p.User.Role] {
		if g == r {
			return true
		}
	}
	return false
}
