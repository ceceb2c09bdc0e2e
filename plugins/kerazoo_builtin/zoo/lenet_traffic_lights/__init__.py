"""The zoo entry made by: kerazoo train traffic_lights lenet --epochs 3 --train-size 2000 --val-size 300 --seed 0"""
