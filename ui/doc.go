// Package ui is Switchboard's terminal inbox: the Bubble Tea v2 app that `switchboard` opens.
// It owns the screens (inbox, settings, the dialogs: help, team decision, inject, the
// pickers, search, the rule editor), their keys and their styles. It talks to an inbox.Conn
// only — a connection bound by its door to the operator acting (an *inbox.Session here, or one
// in another process) — by the operations of the inbox's API (inbox.OpX.Call): every read and
// write runs in a tea.Cmd (never in Update or View), answers carry the id of the request that
// asked for them, and live changes arrive through Conn.Events. Who acts is the connection's
// and what they may do is the service's answer (OpWhoAmI's capabilities): the screens have no
// admin checks of their own, and act as (u) asks Options.ActAs for another connection. It must
// not import a storage package or read the store directly. Text that comes from outside
// reaches the screen only through safe, safeText and safeFit (text.go).
//
// The screen is components (soft-serve's pkg/ui/common, crush's internal/ui/dialog). Model is
// the root: it builds one Common per session (common.go: the connection, the operator,
// the Scheduler, styles, keys, size, the configuration, the status line), which every
// component embeds — viewsPane, convList (the list window and the one selection, list.go),
// convPane, settingsScreen, tourPanel — and keeps the open Dialogs on a stack (dialog.go).
// Components change only their own state and return actions the Model carries out. Nothing
// lives at package level, and nothing is read from the process: the terminal (environment,
// colour profile, NO_COLOR, background) and the clock come from Options, because each session
// (a local terminal, an SSH client) has its own.
package ui
