using System.Text;

namespace LogPipeline.Deploy.Tests.Support;

/// <summary>A parsed Dockerfile: instructions with continuation lines joined, comments dropped.</summary>
internal sealed class Dockerfile
{
    private Dockerfile(IReadOnlyList<Instruction> instructions) => Instructions = instructions;

    internal sealed record Instruction(string Keyword, string Arguments, int Stage);

    internal sealed record Stage(int Index, string Image, string? Name);

    public IReadOnlyList<Instruction> Instructions { get; }

    public IReadOnlyList<Stage> Stages =>
        Instructions.Where(i => i.Keyword == "FROM").Select(i =>
        {
            var parts = i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToArray();
            var name = parts.Length >= 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : null;
            return new Stage(i.Stage, parts[0], name);
        }).ToList();

    public IEnumerable<Instruction> InStage(int stage) => Instructions.Where(i => i.Stage == stage);

    public IEnumerable<Instruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    public static Dockerfile Parse(string text)
    {
        var instructions = new List<Instruction>();
        var current = new StringBuilder();
        var stage = -1;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var trimmed = line.TrimStart();
            if (trimmed.StartsWith('#') || (current.Length == 0 && trimmed.Length == 0))
            {
                continue; // comment (also inside a continuation) or blank
            }

            var continues = line.EndsWith('\\');
            current.Append(continues ? line[..^1] : line).Append(' ');
            if (continues)
            {
                continue;
            }

            var full = current.ToString().Trim();
            current.Clear();
            if (full.Length == 0)
            {
                continue;
            }

            var space = full.IndexOf(' ', StringComparison.Ordinal);
            var keyword = (space < 0 ? full : full[..space]).ToUpperInvariant();
            var args = space < 0 ? string.Empty : full[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                stage++;
            }

            instructions.Add(new Instruction(keyword, args, stage));
        }

        return new Dockerfile(instructions);
    }
}
