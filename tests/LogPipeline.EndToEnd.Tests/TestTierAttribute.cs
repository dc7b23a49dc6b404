using LogPipeline.Testing;

// Every test here runs the real binaries as child processes: the whole assembly is the process tier.
[assembly: Trait(TestTier.Name, TestTier.Process)]
