"""Genuine NWB files for the demo release, written with pynwb in the real files' layout.

On-disk layout (vbn-nwb.md; AllenSDK 2.16.2's ``BehaviorEcephysSession.from_nwb_path`` and
``BehaviorSession.from_nwb_path`` read them):

``behavior_ecephys_sessions/<id>/ecephys_session_<id>.nwb``  (identifier = ecephys_session_id)
    /general/subject (BehaviorSubject), /general/metadata (BehaviorMetadata),
    /general/task_parameters (BehaviorTaskParameters),
    /general/devices/{probeX (EcephysProbe), NP.x},
    /general/extracellular_ephys/{probeX (EcephysElectrodeGroup), electrodes (384 per probe)},
    /units (every unit of the units table: 25 scalar columns, ragged spike_times,
    spike_amplitudes (float64) and waveform_mean (float32, 384 x 82 per unit, gzip)),
    /intervals/<stimulus>_presentations (one per stimulus), /intervals/trials,
    /processing/{stimulus/timestamps, licking/licks, rewards/{volume,autorewarded},
    running/{speed,speed_unfiltered,dx}, optotagging/{optotagging,optogenetic_stimulation}},
    /acquisition/{v_in, v_sig, EyeTracking (EllipseEyeTracking)},
    /stimulus/templates/<image set>.05.26 (StimulusTemplate, 8 images at 300 x 480).
``behavior_ecephys_sessions/<id>/probe_<probeName>_lfp.nwb``  (identifier = ecephys_probe_id)
    /acquisition/probe_<pid>_lfp/probe_<pid>_lfp_data (ElectricalSeries, float32 V, T x 96),
    /processing/current_source_density/ecephys_csd (EcephysCSD); spans ``lfp_s`` seconds from
    the full-field flash block (the real files span the session).
``behavior_only_sessions/<bid>/behavior_session_<bid>.nwb``  (identifier = behavior_session_id)
    the behavior parts above for block 0 alone (no eye tracking, probes or units).

Namespaces cached in each file: core 2.8.0 (pynwb 3.0), hdmf-common, and the four extensions in
``ndx/`` (copied from AllenSDK 2.16.2). Object ids and dates derive from the seed: the same
arguments give byte-identical files.
"""
