"""gutbrain.report"""
