package bolt

import "switchboard/inbox/domain"

// The records this engine keeps are the inbox's (package domain); their JSON is what the file
// holds.
type (
	Settings      = domain.Settings
	Rule          = domain.Rule
	Operator      = domain.Operator
	Team          = domain.Team
	Contact       = domain.Contact
	Prompt        = domain.Prompt
	Conversation  = domain.Conversation
	Entry         = domain.Entry
	Notification  = domain.Notification
	SettingChange = domain.SettingChange
	Timer         = domain.Timer
	EntryRef      = domain.EntryRef
	Query         = domain.Query
)
