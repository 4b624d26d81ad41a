// Package ui is Switchboard's terminal inbox: the Bubble Tea v2 app that `switchboard` opens.
// It owns the screens (inbox, settings, the team-decision dialog, inject, act as), their keys
// and their styles. It talks to *inbox.Service only: every read and write runs in a tea.Cmd
// (never in Update or View), answers carry the id of the request that asked for them, and
// live changes arrive through inbox.Service.Subscribe. It must not import bbolt or read the
// store directly; it uses data only for the plain record types inbox returns. Text that comes
// from outside reaches the screen only through safe, safeText and safeFit (text.go).
package ui
