using System.Text.RegularExpressions;
using LogPipeline.Deploy.Tests.Support;
using Xunit;

namespace LogPipeline.Deploy.Tests;

/// <summary>Lint rules for the two images (hadolint is not available here; these are the ones we rely on).</summary>
public sealed partial class DockerfileTests
{
    public static TheoryData<string> Files => new("src/LogPipeline.Shipper/Dockerfile", "src/LogPipeline.Ingest/Dockerfile");

    [GeneratedRegex(@"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [Theory]
    [MemberData(nameof(Files))]
    public void Is_multi_stage_with_pinned_bases(string path)
    {
        var file = Dockerfile.Parse(Repo.Read(path));
        var stages = file.Stages;
        Assert.True(stages.Count >= 2, $"{path}: expected a multi-stage build");
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var stage in stages)
        {
            if (!names.Contains(stage.Image))
            {
                Assert.True(K8sExtensions.IsPinned(stage.Image), $"{path}: base image '{stage.Image}' is not pinned");
            }

            if (stage.Name is not null)
            {
                names.Add(stage.Name);
            }
        }

        // COPY --from names an earlier stage.
        foreach (var copy in file.All("COPY"))
        {
            var from = Regex.Match(copy.Arguments, @"--from=(\S+)");
            if (from.Success)
            {
                Assert.Contains(from.Groups[1].Value, names);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Final_stage_runs_as_non_root_with_an_exec_form_entrypoint(string path)
    {
        var file = Dockerfile.Parse(Repo.Read(path));
        var last = file.Stages[^1].Index;
        var user = file.InStage(last).LastOrDefault(i => i.Keyword == "USER");
        Assert.NotNull(user);
        var who = user.Arguments.Split(':')[0];
        Assert.DoesNotContain(who, new[] { "root", "0" });
        Assert.True(who == "$APP_UID" || who == "app" || (int.TryParse(who, out var uid) && uid > 0), $"{path}: USER {who}");

        var entrypoint = file.InStage(last).LastOrDefault(i => i.Keyword == "ENTRYPOINT");
        Assert.NotNull(entrypoint);
        Assert.StartsWith("[\"/app/logpipeline-", entrypoint.Arguments, StringComparison.Ordinal);

        // Final image: Microsoft's chiseled images (no shell, no package manager).
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/(runtime|runtime-deps):10\.0-noble-chiseled", file.Stages[^1].Image);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Has_no_remote_add_and_no_baked_in_secrets(string path)
    {
        var file = Dockerfile.Parse(Repo.Read(path));
        Assert.Empty(file.All("ADD")); // COPY only: no remote URLs, no implicit archive extraction
        foreach (var i in file.Instructions.Where(i => i.Keyword is "ENV" or "ARG" or "LABEL"))
        {
            Assert.False(SecretName().IsMatch(i.Arguments), $"{path}: {i.Keyword} {i.Arguments} looks like a secret");
        }

        foreach (var run in file.All("RUN"))
        {
            Assert.DoesNotMatch(@"(curl|wget)\s[^|]*\|\s*(ba)?sh", run.Arguments);
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Copies_only_paths_that_exist_and_the_context_keeps_them(string path)
    {
        var file = Dockerfile.Parse(Repo.Read(path));
        var ignore = Repo.Read(".dockerignore").Split('\n').Select(l => l.Trim()).ToList();
        Assert.Equal("*", ignore.First(l => l.Length > 0 && !l.StartsWith('#')));
        foreach (var copy in file.All("COPY").Where(c => !c.Arguments.Contains("--from=", StringComparison.Ordinal)))
        {
            var parts = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToArray();
            foreach (var source in parts[..^1].Where(s => s != "."))
            {
                Assert.True(Path.Exists(Repo.PathOf(source)), $"{path}: COPY source {source} does not exist");
                var top = source.Split('/')[0];
                Assert.True(
                    ignore.Contains("!" + top) || ignore.Contains("!" + top + "/"),
                    $"{path}: .dockerignore does not re-include {top}");
            }
        }

        Assert.Contains("**/bin/", ignore);
        Assert.Contains("**/obj/", ignore);
    }

    [Fact]
    public void Shipper_image_is_built_by_the_ci_publish_script()
    {
        var file = Dockerfile.Parse(Repo.Read("src/LogPipeline.Shipper/Dockerfile"));
        Assert.Contains(file.All("RUN"), r => r.Arguments.Contains("build/publish-shipper.sh /out/app", StringComparison.Ordinal));
        Assert.Contains(file.All("RUN"), r => r.Arguments.Contains("clang", StringComparison.Ordinal) && r.Arguments.Contains("zlib1g-dev", StringComparison.Ordinal));
        Assert.Contains(file.All("COPY"), c => c.Arguments.StartsWith("--from=build /out/app/", StringComparison.Ordinal));
        Assert.StartsWith("mcr.microsoft.com/dotnet/runtime-deps:", file.Stages[^1].Image, StringComparison.Ordinal);

        var script = Repo.Read("build/publish-shipper.sh");
        Assert.Contains("src/LogPipeline.Shipper/LogPipeline.Shipper.csproj", script, StringComparison.Ordinal);
        Assert.Contains("--configuration Release", script, StringComparison.Ordinal);
        Assert.Contains("--runtime \"$rid\"", script, StringComparison.Ordinal);
        Assert.Contains("rid=${SHIPPER_RID:-linux-x64}", script, StringComparison.Ordinal);
        Assert.Contains("-p:PublishAot=true", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Ingest_image_carries_the_npm_data_files()
    {
        var file = Dockerfile.Parse(Repo.Read("src/LogPipeline.Ingest/Dockerfile"));
        Assert.Contains(file.All("RUN"), r => r.Arguments.Contains("build/fetch-data.sh /out/data", StringComparison.Ordinal));
        Assert.Contains(file.All("COPY"), c => c.Arguments == "--from=data /out/data/ ./data/");
        var last = file.Stages[^1].Index;
        Assert.Equal("/app", file.InStage(last).Last(i => i.Keyword == "WORKDIR").Arguments);
        var runs = string.Join(' ', file.All("RUN").Select(r => r.Arguments));
        Assert.Contains("--no-self-contained", runs, StringComparison.Ordinal);
        Assert.Contains("-p:LogPipelineFetchData=false", runs, StringComparison.Ordinal); // data comes from the node stage
        Assert.True(File.Exists(Repo.PathOf("build/fetch-data.sh")), "build/fetch-data.sh is missing");
        Assert.StartsWith("node:", file.Stages[0].Image, StringComparison.Ordinal);
    }
}
