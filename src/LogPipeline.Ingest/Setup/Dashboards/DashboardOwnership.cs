using System.Text.Json.Nodes;

namespace LogPipeline.Ingest.Setup.Dashboards;

/// <summary>What setup does with one shipped saved object (docs/decisions/0013-setup-owns-only-what-it-wrote.md).</summary>
public enum OwnershipAction
{
    /// <summary>Not in Kibana (in this space): imported.</summary>
    Create,

    /// <summary>Carries setup's marker of an older shipped version: replaced by the new one.</summary>
    Update,

    /// <summary>Carries the marker of exactly this version: nothing to do.</summary>
    Unchanged,

    /// <summary>Has no marker (saved from the Kibana UI since setup wrote it): kept.</summary>
    KeepChanged,

    /// <summary>A data view that exists: kept (Kibana and users change data views; setup never needs to).</summary>
    KeepDataView,

    /// <summary>Would be kept, but <c>--overwrite</c> was given: replaced.</summary>
    Overwrite,
}

/// <summary>The ownership rule: setup changes only objects that are still as setup wrote them, unless told to overwrite.</summary>
public static class DashboardOwnership
{
    public static OwnershipAction Decide(JsonObject shipped, JsonObject? stored, bool overwrite)
    {
        if (stored is null)
        {
            return OwnershipAction.Create;
        }

        var type = shipped["type"]!.GetValue<string>();
        if (!OwnershipMarker.Supports(type))
        {
            return overwrite ? OwnershipAction.Overwrite : OwnershipAction.KeepDataView;
        }

        var storedMarker = OwnershipMarker.Read(stored);
        if (storedMarker is null)
        {
            return overwrite ? OwnershipAction.Overwrite : OwnershipAction.KeepChanged;
        }

        return storedMarker == OwnershipMarker.Read(shipped) ? OwnershipAction.Unchanged : OwnershipAction.Update;
    }

    public static string Describe(OwnershipAction action) => action switch
    {
        OwnershipAction.Create => "created",
        OwnershipAction.Update => "updated",
        OwnershipAction.Unchanged => "unchanged",
        OwnershipAction.KeepChanged => "kept (changed in Kibana since setup wrote it)",
        OwnershipAction.KeepDataView => "kept (data view exists)",
        OwnershipAction.Overwrite => "overwritten (--overwrite)",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };
}
