package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/annotate"
	"github.com/casefile/casefile/evidence/rawtext"
)

// Targets, as every annotation command takes them.
const targetHelp = `TARGET is an event (sha256:<artefact>#L<line>, #R<record> or #B<byte offset>,
as 'casefile events' cites it), an artefact (sha256:<hex>), a custody entry
(entry:N) or a source (its indicator, e.g. 185.220.101.4).`

// annotateWith opens the case for writing, plans a change against the
// current annotations and records it as one custody entry. A change the
// model refuses is a usage error (exit 2).
func (a *app) annotateWith(cmd *cobra.Command, plan func(*evidence.Case, *annotate.State) (annotate.Change, error)) error {
	return a.annotateEach(cmd, 1, func(c *evidence.Case, st *annotate.State, _ int) (annotate.Change, error) { return plan(c, st) })
}

// annotateEach is annotateWith for n changes on one opening of the case,
// each planned after the one before was recorded.
func (a *app) annotateEach(cmd *cobra.Command, n int, plan func(*evidence.Case, *annotate.State, int) (annotate.Change, error)) error {
	h, err := a.openCase(cmd, true)
	if err != nil {
		return err
	}
	defer h.Close()
	st, err := annotate.Read(h.Case)
	if err != nil {
		return err
	}
	for i := range n {
		ch, err := plan(h.Case, st, i)
		if errors.Is(err, annotate.ErrRefused) {
			return usageError{err}
		}
		if err != nil {
			return err
		}
		e, err := annotate.Record(ctx(cmd), h.Case, a.actor(), ch)
		if err != nil {
			return err
		}
		if err := st.CatchUp(h.Case); err != nil {
			return err
		}
		if a.json {
			if err := a.writeJSON(struct {
				Entry   uint64          `json:"entry"`
				Kind    string          `json:"kind"`
				Actor   string          `json:"actor"`
				Time    string          `json:"time"`
				Payload json.RawMessage `json:"payload"`
			}{e.Index, e.Kind, e.Actor, e.Time.Format(evidence.TimeFormat), e.Payload}); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(a.out, "Recorded custody entry #%d: %s\n", e.Index, rawtext.Display(evidence.Describe(e)))
	}
	return nil
}

// readAnnotations folds the annotations of a case opened read-only.
func (a *app) readAnnotations(cmd *cobra.Command) (*annotate.State, error) {
	h, err := a.openCase(cmd, false)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	return annotate.Read(h.Case)
}

func (a *app) writeJSON(v any) error {
	enc := json.NewEncoder(a.out)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func (a *app) tagCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tag add|remove|list",
		Short: "Tag events, sources and artefacts (each tag a custody entry)",
		Long:  "Tags are custody entries; removing one records a withdrawal that names it.\n\n" + targetHelp,
		Args:  noArgs,
	}
	add := &cobra.Command{
		Use:   "add --case DIR TARGET TAG…",
		Short: "Tag a target (one entry per tag)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usagef("tag add takes a TARGET and at least one TAG")
			}
			return a.annotateEach(cmd, len(args)-1, func(c *evidence.Case, st *annotate.State, i int) (annotate.Change, error) {
				t, err := annotate.CheckedTarget(c, args[0])
				if err != nil {
					return annotate.Change{}, err
				}
				return st.PlanTag(t, args[1+i])
			})
		},
	}
	remove := &cobra.Command{
		Use:   "remove --case DIR TARGET TAG",
		Short: "Withdraw a tag (a new entry; the tag's entry stays in the log)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("tag remove takes a TARGET and a TAG")
			}
			return a.annotateWith(cmd, func(_ *evidence.Case, st *annotate.State) (annotate.Change, error) {
				t, err := annotate.ParseTarget(args[0])
				if err != nil {
					return annotate.Change{}, err
				}
				return st.PlanUntag(t, args[1])
			})
		},
	}
	list := &cobra.Command{
		Use:   "list --case DIR [TARGET]",
		Short: "The current tags, stars and comments (of one target, or all)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("tag list takes at most one TARGET")
			}
			ref := ""
			if len(args) == 1 {
				t, err := annotate.ParseTarget(args[0])
				if err != nil {
					return usageError{err}
				}
				ref = t.Ref
			}
			st, err := a.readAnnotations(cmd)
			if err != nil {
				return err
			}
			marks := st.Marks(ref)
			if a.json {
				if marks == nil {
					marks = []annotate.Mark{}
				}
				return a.writeJSON(map[string]any{"marks": marks})
			}
			if len(marks) == 0 {
				fmt.Fprintln(a.out, "No tags, stars or comments.")
			}
			for _, m := range marks {
				what := m.Mark
				switch m.Mark {
				case annotate.MarkTag:
					what = "tag " + strconv.Quote(m.Tag)
				case annotate.MarkComment:
					what = "comment: " + strings.ReplaceAll(m.Text, "\n", " ⏎ ")
				}
				fmt.Fprintf(a.out, "#%-5d %s  %s  %s  %s\n", m.Entry, m.Time.Format("2006-01-02 15:04:05 UTC"), rawtext.Display(m.Target.Words()), rawtext.Display(what), rawtext.Display(m.Actor))
			}
			return nil
		},
	}
	cmd.AddCommand(add, remove, list)
	return cmd
}

func (a *app) starCmd() *cobra.Command {
	var remove bool
	cmd := &cobra.Command{
		Use:   "star --case DIR [--remove] TARGET",
		Short: "Star a target, or withdraw its star (a custody entry either way)",
		Long:  "A star marks what matters most, for the team. 'casefile tag list' shows stars.\n\n" + targetHelp,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("star takes one TARGET")
			}
			return a.annotateWith(cmd, func(c *evidence.Case, st *annotate.State) (annotate.Change, error) {
				if remove {
					t, err := annotate.ParseTarget(args[0])
					if err != nil {
						return annotate.Change{}, err
					}
					return st.PlanUnstar(t)
				}
				t, err := annotate.CheckedTarget(c, args[0])
				if err != nil {
					return annotate.Change{}, err
				}
				return st.PlanStar(t)
			})
		},
	}
	cmd.Flags().BoolVar(&remove, "remove", false, "withdraw the star")
	return cmd
}

func (a *app) commentCmd() *cobra.Command {
	var remove uint64
	cmd := &cobra.Command{
		Use:   "comment --case DIR TARGET TEXT | comment --remove ENTRY",
		Short: "Comment on a target, or withdraw a comment by its entry number",
		Long:  "Comments are custody entries; 'casefile tag list' shows them.\n\n" + targetHelp,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("remove") {
				if len(args) != 0 {
					return usagef("comment --remove ENTRY takes no further arguments")
				}
				return a.annotateWith(cmd, func(_ *evidence.Case, st *annotate.State) (annotate.Change, error) {
					if st.Mark(remove) == nil {
						return annotate.Change{}, fmt.Errorf("%w: entry %d is no current tag, star or comment (see 'casefile tag list')", annotate.ErrRefused, remove)
					}
					return st.PlanWithdraw(remove)
				})
			}
			if len(args) != 2 {
				return usagef("comment takes a TARGET and the TEXT (quoted)")
			}
			return a.annotateWith(cmd, func(c *evidence.Case, st *annotate.State) (annotate.Change, error) {
				t, err := annotate.CheckedTarget(c, args[0])
				if err != nil {
					return annotate.Change{}, err
				}
				return st.PlanComment(t, args[1])
			})
		},
	}
	cmd.Flags().Uint64Var(&remove, "remove", 0, "withdraw the tag, star or comment recorded as this custody entry")
	return cmd
}
