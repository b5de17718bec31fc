"""gutbrain.scenario"""
