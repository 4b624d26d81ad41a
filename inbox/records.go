package inbox

import "switchboard/inbox/domain"

// The inbox's records (package domain), as screens, commands and doors name them.
type (
	Settings      = domain.Settings
	Hours         = domain.Hours
	Rule          = domain.Rule
	Operator      = domain.Operator
	Team          = domain.Team
	Contact       = domain.Contact
	Prompt        = domain.Prompt
	Conversation  = domain.Conversation
	Entry         = domain.Entry
	EntryKind     = domain.EntryKind
	CallOutcome   = domain.CallOutcome
	Delivery      = domain.Delivery
	Media         = domain.Media
	Referral      = domain.Referral
	FormField     = domain.FormField
	Notification  = domain.Notification
	SettingChange = domain.SettingChange
	Duration      = domain.Duration
	TemplateSend  = domain.TemplateSend
	Template      = domain.Template
	Outgoing      = domain.Outgoing
	// Store is what the inbox needs of a storage engine (see package domain).
	Store = domain.Store
)

// Entry kinds.
const (
	KindMessage = domain.KindMessage
	KindCall    = domain.KindCall
	KindReply   = domain.KindReply
	KindNote    = domain.KindNote
)

// Delivery marks of a reply (outbox.go).
const (
	DeliveryLocal     = domain.DeliveryLocal
	DeliveryQueued    = domain.DeliveryQueued
	DeliveryUnknown   = domain.DeliveryUnknown
	DeliverySent      = domain.DeliverySent
	DeliveryDelivered = domain.DeliveryDelivered
	DeliveryRead      = domain.DeliveryRead
	DeliveryFailed    = domain.DeliveryFailed
)

// Where a reply is in the outbox.
const (
	OutQueued  = domain.OutQueued
	OutSending = domain.OutSending
	OutUnknown = domain.OutUnknown
)
