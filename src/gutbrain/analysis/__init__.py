"""gutbrain.analysis"""
