package inbox

import "switchboard/data"

// The inbox's records, as screens, commands and doors see them.
type (
	Settings      = data.Settings
	Rule          = data.Rule
	Operator      = data.Operator
	Team          = data.Team
	Contact       = data.Contact
	Entry         = data.Entry
	Media         = data.Media
	Referral      = data.Referral
	FormField     = data.FormField
	Notification  = data.Notification
	SettingChange = data.SettingChange
)
