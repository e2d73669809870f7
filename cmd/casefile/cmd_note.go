package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/annotate"
	"github.com/casefile/casefile/evidence/rawtext"
)

type noteFlags struct {
	title, file string
	cites       []string
	forReport   bool
}

func (a *app) noteCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "note add|edit|remove|list|show",
		Short: "Case notes in Markdown, each version a custody entry",
		Long: `Case notes are written in Markdown and kept as custody entries. A note can
cite events, sources, artefacts and custody entries (--cite, as TARGET in
'casefile tag'); notes marked --for-report appear in the export's report.html
under "Examiner's notes". Editing records a new version that supersedes the
old one by its entry number; the old version stays in the log.`,
		Args: noArgs,
	}
	cmd.AddCommand(a.noteAddCmd(), a.noteEditCmd(), a.noteRemoveCmd(), a.noteListCmd(), a.noteShowCmd())
	return cmd
}

func addNoteFlags(cmd *cobra.Command, f *noteFlags) {
	cmd.Flags().StringVar(&f.title, "title", "", "the note's title")
	cmd.Flags().StringVar(&f.file, "file", "", "read the Markdown text from this file (- for stdin)")
	cmd.Flags().StringArrayVar(&f.cites, "cite", nil, "what the note cites (an event, source, artefact or entry:N); repeatable")
	cmd.Flags().BoolVar(&f.forReport, "for-report", false, "show the note in the export's report")
}

// noteBody reads the note's text from --file (or stdin for "-").
func (a *app) noteBody(file string) (string, error) {
	var r io.Reader = a.in
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, annotate.MaxBody+1))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func (a *app) noteAddCmd() *cobra.Command {
	var f noteFlags
	cmd := &cobra.Command{
		Use:   "add --case DIR --title T --file F|- [--cite REF]… [--for-report]",
		Short: "Write a case note",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.title == "" || f.file == "" {
				return usagef("note add needs --title T and --file F (or --file - to read stdin)")
			}
			body, err := a.noteBody(f.file)
			if err != nil {
				return err
			}
			return a.annotateWith(cmd, func(c *evidence.Case, st *annotate.State) (annotate.Change, error) {
				if err := annotate.CheckCites(c, f.cites); err != nil {
					return annotate.Change{}, err
				}
				return st.PlanNote(annotate.NoteDraft{Title: f.title, Body: body, Cites: f.cites, ForReport: f.forReport})
			})
		},
	}
	addNoteFlags(cmd, &f)
	return cmd
}

func (a *app) noteEditCmd() *cobra.Command {
	var f noteFlags
	cmd := &cobra.Command{
		Use:   "edit --case DIR N [--title T] [--file F|-] [--cite REF]… [--for-report=true|false]",
		Short: "Write a new version of note N (what is not given is kept)",
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := noteNumber(args)
			if err != nil {
				return err
			}
			var body string
			if f.file != "" {
				if body, err = a.noteBody(f.file); err != nil {
					return err
				}
			}
			return a.annotateWith(cmd, func(c *evidence.Case, st *annotate.State) (annotate.Change, error) {
				old := st.Note(n)
				if old == nil {
					return annotate.Change{}, fmt.Errorf("%w: entry %d is no current note", annotate.ErrRefused, n)
				}
				d := annotate.NoteDraft{Title: old.Title, Body: old.Body, Cites: old.Cites, ForReport: old.ForReport, Supersedes: old.Entry}
				if f.title != "" {
					d.Title = f.title
				}
				if f.file != "" {
					d.Body = body
				}
				if cmd.Flags().Changed("cite") {
					if err := annotate.CheckCites(c, f.cites); err != nil {
						return annotate.Change{}, err
					}
					d.Cites = f.cites
				}
				if cmd.Flags().Changed("for-report") {
					d.ForReport = f.forReport
				}
				return st.PlanNote(d)
			})
		},
	}
	addNoteFlags(cmd, &f)
	return cmd
}

func (a *app) noteRemoveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "remove --case DIR N",
		Short: "Withdraw note N (its versions stay in the log)",
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := noteNumber(args)
			if err != nil {
				return err
			}
			return a.annotateWith(cmd, func(_ *evidence.Case, st *annotate.State) (annotate.Change, error) {
				old := st.Note(n)
				if old == nil {
					return annotate.Change{}, fmt.Errorf("%w: entry %d is no current note", annotate.ErrRefused, n)
				}
				return st.PlanWithdraw(old.Entry)
			})
		},
	}
}

func (a *app) noteListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list --case DIR",
		Short: "The current notes",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.readAnnotations(cmd)
			if err != nil {
				return err
			}
			notes := st.Notes()
			if a.json {
				return a.writeJSON(map[string]any{"notes": notes})
			}
			if len(notes) == 0 {
				fmt.Fprintln(a.out, "No notes.")
			}
			for _, n := range notes {
				rep := ""
				if n.ForReport {
					rep = "  [for the report]"
				}
				fmt.Fprintf(a.out, "#%-5d %s  %s  %s%s\n", n.Entry, n.Time.Format("2006-01-02 15:04:05 UTC"), rawtext.Display(n.Title), rawtext.Display(n.Actor), rep)
			}
			return nil
		},
	}
}

func (a *app) noteShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show --case DIR N",
		Short: "A note's current version, its Markdown and what it cites",
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := noteNumber(args)
			if err != nil {
				return err
			}
			st, err := a.readAnnotations(cmd)
			if err != nil {
				return err
			}
			note := st.Note(n)
			if note == nil {
				if by := st.SupersededBy(n); by != 0 {
					return fmt.Errorf("note %d was withdrawn by entry %d", n, by)
				}
				return usagef("entry %d is no note", n)
			}
			if a.json {
				return a.writeJSON(note)
			}
			fmt.Fprintf(a.out, "# %s\n", rawtext.Display(note.Title))
			fmt.Fprintf(a.out, "Note #%d, by %s, %s", note.Entry, rawtext.Display(note.Actor), note.Time.Format("2006-01-02 15:04:05 UTC"))
			if len(note.Versions) > 1 {
				fmt.Fprintf(a.out, " (version %d; earlier: entries %s)", len(note.Versions), joinNums(note.Versions[:len(note.Versions)-1]))
			}
			if note.ForReport {
				fmt.Fprint(a.out, "; for the report")
			}
			fmt.Fprintln(a.out)
			for _, c := range note.Cites {
				fmt.Fprintf(a.out, "Cites: %s\n", rawtext.Display(c))
			}
			fmt.Fprintln(a.out)
			for _, l := range strings.Split(strings.TrimRight(note.Body, "\n"), "\n") {
				fmt.Fprintln(a.out, rawtext.Display(strings.TrimSuffix(l, "\r")))
			}
			return nil
		},
	}
}

func noteNumber(args []string) (uint64, error) {
	if len(args) != 1 {
		return 0, usagef("give the note's entry number N (see 'casefile note list')")
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(args[0], "#"), 10, 64)
	if err != nil {
		return 0, usagef("note number %q: want the entry number, e.g. 42", args[0])
	}
	return n, nil
}

func joinNums(ns []uint64) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.FormatUint(n, 10)
	}
	return strings.Join(s, ", ")
}
