namespace LogPipeline.Shipper.Tests.Support;

/// <summary>Load tests share two cores: they run one at a time, not against each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadCollection
{
    public const string Name = "load";
}
