package evidence

// ToolName and ToolVersion identify Casefile in entries and exports.
const (
	ToolName    = "Casefile"
	ToolVersion = "0.1.0"
)
