// Which target is the active one (where the run flow runs; shown in the status bar). Pure: unit-tested.

export interface TargetName {
  id: string;
  label: string;
}

/**
 * The target picked in this workspace if it still exists; else the berth.defaultTarget setting, by id or
 * by name (local, or an SSH target's name as the Targets view shows it); else the first target.
 */
export function chooseActiveTarget<T extends TargetName>(all: readonly T[], picked: string | undefined, configured: string | undefined): T | undefined {
  const wanted = configured?.trim();
  return (
    all.find((t) => t.id === picked) ??
    (wanted ? (all.find((t) => t.id === wanted) ?? all.find((t) => t.label === wanted) ?? all.find((t) => t.label.toLowerCase() === wanted.toLowerCase())) : undefined) ??
    all[0]
  );
}
